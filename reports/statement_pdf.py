"""Statement PDFs rendered by WeasyPrint from a statement dict the access policy filtered."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from weasyprint import HTML

from billing.core.display_names import display_name
from reports.invoice_pdf import StaticOnlyFetcher
from reports.labels import AGEING_LABELS, METHOD_LABELS, REVERSAL_LABELS, STANDING_LABELS
from reports.rendering import STATIC, render_html, translated


def _(text: str) -> str:  # marks a string for extraction; translated where shown
    return text


CREDIT_REASONS = {"sla": _("SLA credit"), "dispute": _("Dispute settlement"),
                  "goodwill": _("Goodwill")}


def _service_name(row: dict, locale: str) -> str:
    """An SLA credit's product in the reader's language (its canonical name otherwise)."""
    return display_name({"name": row["service"],
                         "name_translations": row.get("service_names")}, locale)


def render_statement_pdf(statement: dict, *, provider: dict, brand: dict | None,
                         locale: str) -> bytes:
    """A PDF of one account's statement. Amounts appear only if the dict carries them."""
    html = render_html("statement.html", locale, statement=statement, provider=provider,
                       brand=brand, reasons=translated(CREDIT_REASONS, locale),
                       methods=translated(METHOD_LABELS, locale),
                       reversal_kinds=translated(REVERSAL_LABELS, locale),
                       ageing_labels=translated(AGEING_LABELS, locale),
                       status_labels=translated(STANDING_LABELS, locale),
                       service_name=lambda row: _service_name(row, locale),
                       month_name=lambda iso: format_date(date.fromisoformat(iso), "MMMM yyyy",
                                                          locale=locale))
    fetcher = StaticOnlyFetcher(allowed_protocols={"file"})
    return HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=fetcher).write_pdf()
