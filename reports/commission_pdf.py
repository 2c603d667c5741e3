"""Commission statement PDFs (WeasyPrint) from the statement dict the access policy cut."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from weasyprint import HTML

from reports.invoice_pdf import StaticOnlyFetcher
from reports.rendering import STATIC, render_html


def render_commission_pdf(statement: dict, *, provider: dict, locale: str) -> bytes:
    """A partner's statement for one month, in its locale, under the provider's brand."""
    month = date.fromisoformat(f"{statement['month']}-01")
    html = render_html("commission_statement.html", locale, statement=statement,
                       provider=provider, brand=None,
                       month_name=format_date(month, "MMMM yyyy", locale=locale))
    fetcher = StaticOnlyFetcher(allowed_protocols={"file"})
    return HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=fetcher).write_pdf()
