"""Payment receipts as PDFs: what was received from the account, when and how, and what
it paid. Built from plain values with no request, so a page, the CLI or a worker can
render one; the caller decides who may have it (the receipt is the account's CPNI).
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session
from weasyprint import HTML

from billing.payments import ledger
from billing.payments.models import Payment
from portal.payments.presenters import payment_dict
from reports.invoice_pdf import StaticOnlyFetcher
from reports.labels import METHOD_LABELS, REVERSAL_LABELS
from reports.logos import brand_of
from reports.rendering import STATIC, render_html, translated


def render_receipt_pdf(receipt: dict, *, account: dict, provider: dict, brand: dict | None,
                       locale: str) -> bytes:
    """A PDF of one payment's receipt, from its presenter dict."""
    html = render_html("receipt.html", locale, payment=receipt, account=account,
                       provider=provider, brand=brand,
                       method_labels=translated(METHOD_LABELS, locale),
                       reversal_labels=translated(REVERSAL_LABELS, locale))
    fetcher = StaticOnlyFetcher(allowed_protocols={"file"})
    return HTML(string=html, base_url=str(STATIC) + "/", url_fetcher=fetcher).write_pdf()


def receipt_document(session: Session, payment: Payment, *, locale: str,
                     provider: dict) -> bytes:
    """The receipt of a payment on a known account, as it stands now (refunds shown)."""
    customer = payment.customer
    data = payment_dict(payment, ledger.figures_of(session, payment))
    account = {"account_number": customer.account_number, "name": customer.name,
               "address": customer.postal_address}
    return render_receipt_pdf(data, account=account, provider=provider,
                              brand=brand_of(customer), locale=locale)


def receipt_filename(payment: Payment) -> str:
    reference = re.sub(r"[^A-Za-z0-9-]", "_", payment.reference)[:40]
    return f"receipt-{payment.id}-{reference}.pdf"
