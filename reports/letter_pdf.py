"""The letter that answers a caller verified by "postal mail of record": the information
the caller asked for, addressed to the account's postal address of record, as a PDF for
the print queue (billing/cpni/sending.py keeps it until staff mark it printed). Built
from plain values with no request, like the other documents.
"""

from __future__ import annotations

from datetime import date

from weasyprint import HTML

from billing.core.money import Money
from reports.invoice_pdf import StaticOnlyFetcher
from reports.rendering import STATIC, render_html


def _amount(minor: int, currency: str) -> dict:
    return {"amount": str(Money(int(minor), currency).major), "currency": currency}


def render_information_letter(information: dict, *, requested: str | None, provider: dict,
                              written_on: date, locale: str) -> bytes:
    """A PDF letter of `information` (billing.cpni.sending.account_information)."""
    invoices = [{**invoice, "total": _amount(invoice["total_minor"], invoice["currency"]),
                 "due": _amount(invoice["due_minor"], invoice["currency"])}
                for invoice in information["invoices"]]
    html = render_html("information_letter.html", locale, account=information,
                       invoices=invoices, requested=requested, provider=provider,
                       brand=None, written_on=written_on)
    fetcher = StaticOnlyFetcher(allowed_protocols={"file"})
    return HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=fetcher).write_pdf()
