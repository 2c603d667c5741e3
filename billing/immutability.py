"""Issued invoices never change: a guard on every flush, whoever the caller is.

After issue only the payment state may move (status to partially paid, paid or void, and
the amount paid). Anything else raises before it reaches the database.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from billing.errors import InvalidInput
from billing.models.invoices import Invoice, InvoiceLine

MUTABLE_AFTER_ISSUE = {"status", "paid_minor"}


def _status_before(invoice: Invoice) -> str:
    history = inspect(invoice).attrs.status.history
    if history.deleted:
        return history.deleted[0]
    return invoice.status


def _issued(invoice: Invoice | None) -> bool:
    return invoice is not None and _status_before(invoice) not in (None, "draft")


def _changed(obj) -> set[str]:
    return {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}


def _refuse(invoice: Invoice):
    raise InvalidInput(f"Invoice {invoice.number} is issued and cannot change.")


@event.listens_for(Session, "before_flush")
def refuse_changes_to_issued_invoices(session, flush_context, instances):
    for obj in session.dirty:
        if isinstance(obj, Invoice) and _issued(obj) and _changed(obj) - MUTABLE_AFTER_ISSUE:
            _refuse(obj)
        if isinstance(obj, InvoiceLine) and _issued(obj.invoice) and _changed(obj):
            _refuse(obj.invoice)
    for obj in session.deleted:
        invoice = obj if isinstance(obj, Invoice) else getattr(obj, "invoice", None)
        if isinstance(obj, (Invoice, InvoiceLine)) and _issued(invoice):
            _refuse(invoice)
    new = session.new  # a fresh set on each access: read it once, not once per object
    for obj in new:
        # A line added to an invoice issued earlier; a new invoice with its lines is fine.
        if isinstance(obj, InvoiceLine) and obj.invoice not in new and _issued(obj.invoice):
            _refuse(obj.invoice)
