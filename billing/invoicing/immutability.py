"""Records that never change: guards on every flush and ORM statement, whoever the caller is.

After issue only an invoice's payment state may move (status to partially paid, paid or
void, and the amount paid). The CPNI disclosure log is append-only: no entry is updated
or deleted. Anything else raises before it reaches the database.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.cpni.models import CpniDisclosure
from billing.invoicing.models import Invoice, InvoiceLine

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


def _refuse_log_change():
    raise InvalidInput("The CPNI disclosure log is append-only; entries cannot change.")


@event.listens_for(Session, "before_flush")
def refuse_changes_to_the_disclosure_log(session, flush_context, instances):
    if any(isinstance(obj, CpniDisclosure) for obj in session.deleted):
        _refuse_log_change()
    if any(isinstance(obj, CpniDisclosure) and _changed(obj) for obj in session.dirty):
        _refuse_log_change()


@event.listens_for(Session, "do_orm_execute")
def refuse_bulk_changes_to_the_disclosure_log(state):
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is CpniDisclosure for mapper in state.all_mappers):
        _refuse_log_change()
