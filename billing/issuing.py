"""Issuing an invoice: a gapless number, dates, and a snapshot of the bill-to details.

An issued invoice never changes again; corrections are credit notes or new charges.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.clock import provider_date
from billing.errors import InvalidInput
from billing.models import Invoice
from billing.numbering import format_number, series_key, take_number

PAYMENT_TERMS = timedelta(days=30)


def bill_to_snapshot(customer) -> dict:
    """The customer's billing details as they are now, kept on the invoice for good."""
    return {
        "name": customer.name,
        "account_number": customer.account_number,
        "address": customer.postal_address,
        "email": customer.email_of_record,
    }


def issue_invoice(session: Session, invoice_id: int, now: datetime) -> Invoice:
    """Number and issue one draft invoice, in the caller's transaction.

    The invoice row is locked first, so two staff pressing "issue" at once issue it once.
    """
    invoice = session.scalars(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if invoice.status != "draft":
        raise InvalidInput(f"Invoice {invoice.number} is already issued.")
    issue_date: date = provider_date(now)
    key = series_key("INV", invoice.currency, issue_date.year)
    number = format_number(key, take_number(session, key))
    snapshot = bill_to_snapshot(invoice.customer)  # loads (and autoflushes) before the change
    invoice.number, invoice.bill_to = number, snapshot
    invoice.status, invoice.issued_at = "issued", now
    invoice.issue_date, invoice.due_date = issue_date, issue_date + PAYMENT_TERMS
    session.flush()
    return invoice
