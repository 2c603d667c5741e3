"""The statuses of an invoice and the only moves allowed between them (docs/invoices.md,
docs/payments.md).

A draft is issued once. After that only the payment state moves: payments take an issued
invoice to partially paid or paid, and a refund or chargeback reopens it (back to partially
paid or issued). Only an invoice nothing has been paid on may be voided; money allocated to
it is refunded or reallocated first, which reopens it. Void is final, and nothing ever goes
back to draft: corrections are credit notes or new charges.

Every status change goes through `check_transition`: the ORM guard (immutability.py) asks it
on each flush and bulk update, and the database triggers hold the same table.
"""

from __future__ import annotations

from billing.core.errors import InvalidInput
from billing.invoicing.models import Invoice

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"issued"}),
    "issued": frozenset({"partially_paid", "paid", "void"}),
    "partially_paid": frozenset({"issued", "paid"}),
    "paid": frozenset({"partially_paid", "issued"}),
    "void": frozenset(),
}
# After issue these may still move, along the table; every other column is fixed for good.
PAYMENT_STATE = frozenset({"status", "paid_minor"})


def may_move(old: str, new: str) -> bool:
    """Whether an invoice may go from status `old` to `new`; staying put is no move."""
    return old == new or new in ALLOWED_TRANSITIONS.get(old, frozenset())


def check_transition(old: str, new: str, number: str | None = None) -> None:
    """Refuse a status change the table does not allow, naming the invoice if it has a number."""
    if not may_move(old, new):
        name = f"Invoice {number}" if number else "The invoice"
        raise InvalidInput(f"{name} cannot move from {old} to {new}.")


def move_invoice_status(invoice: Invoice, new: str) -> Invoice:
    """Set the invoice's status after checking the move against the table; the caller flushes."""
    check_transition(invoice.status, new, invoice.number)
    invoice.status = new
    return invoice
