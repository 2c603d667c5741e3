"""Invoice PDFs rendered by WeasyPrint from an invoice dict the access policy filtered."""

from __future__ import annotations

from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from reports.labels import STANDING_LABELS
from reports.line_presenter import present_line
from reports.payment_instructions import REMIT_FIELDS
from reports.rendering import STATIC, render_html, translated


class StaticOnlyFetcher(URLFetcher):
    """Lets documents load our own static files and nothing else (no network, no disk)."""

    def fetch(self, url, headers=None):
        if url.startswith(STATIC.as_uri() + "/") and ".." not in url:
            return super().fetch(url, headers)
        raise ValueError(f"document tried to load {url!r}")


def render_invoice_pdf(invoice: dict, *, provider: dict, brand: dict | None, locale: str) -> bytes:
    """A PDF of one invoice. CPNI appears only if the dict carries it."""
    html = render_html(
        "invoice.html", locale, invoice=invoice, provider=provider, brand=brand,
        status_labels=translated(STANDING_LABELS, locale),
        line_view=lambda line: present_line(line, invoice["currency"], locale),
        remit_labels=translated(REMIT_FIELDS, locale),
    )
    fetcher = StaticOnlyFetcher(allowed_protocols={"file"})
    return HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=fetcher).write_pdf()


def cached(path: Path, render) -> bytes:
    """Issued invoices never change, so their PDFs are rendered once and kept."""
    if path.exists():
        return path.read_bytes()
    data = render()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
    return data
