"""Writing allocation rows and moving the invoices they touch, in one place.

An invoice's paid amount is the sum of its allocation rows; `paid_minor` on the invoice
is kept equal to that sum here (under the account's and the invoice's locks), and its
status follows from it (`allocation.invoice_status`), through the status table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from billing.core.locks import lock_invoices
from billing.invoicing.models import Invoice
from billing.invoicing.status import move_invoice_status
from billing.payments.allocation import invoice_status
from billing.payments.models import PaymentAllocation


def post(session: Session, payment_id: int, pairs: Sequence[tuple[int, int]], now: datetime,
         *, reversal_id: int | None = None) -> None:
    """Record that a payment paid (positive amounts) or gave back (negative, with the
    reversal that took it) these amounts on these invoices. The caller holds the account
    lock; the invoices are locked here, lowest id first."""
    if not pairs:
        return
    lock_invoices(session, [invoice_id for invoice_id, _ in pairs])
    invoices = {invoice.id: invoice for invoice in session.scalars(
        select(Invoice).where(Invoice.id.in_([i for i, _ in pairs]))
        .execution_options(populate_existing=True))}
    for invoice_id, amount in pairs:
        session.add(PaymentAllocation(payment_id=payment_id, invoice_id=invoice_id,
                                      amount_minor=amount, at=now, reversal_id=reversal_id))
        invoice = invoices[invoice_id]
        invoice.paid_minor += amount
        move_invoice_status(invoice, invoice_status(invoice.total_minor, invoice.paid_minor))
    session.flush()


def post_many(session: Session, postings: Sequence[tuple[int, Sequence[tuple[int, int]]]],
              now: datetime) -> None:
    """`post` for many payments at once (positive amounts only): one lock statement, one
    load, one insert and the invoices' updates in one flush. The caller holds the locks of
    every account concerned; the invoices are locked here, lowest id first."""
    rows = [dict(payment_id=payment_id, invoice_id=invoice_id, amount_minor=amount, at=now,
                 reversal_id=None)
            for payment_id, pairs in postings for invoice_id, amount in pairs]
    if not rows:
        return
    ids = lock_invoices(session, [row["invoice_id"] for row in rows])
    invoices = {invoice.id: invoice for invoice in session.scalars(
        select(Invoice).where(Invoice.id.in_(ids)).execution_options(populate_existing=True))}
    session.execute(insert(PaymentAllocation), rows)
    for row in rows:
        invoices[row["invoice_id"]].paid_minor += row["amount_minor"]
    for invoice in invoices.values():
        move_invoice_status(invoice, invoice_status(invoice.total_minor, invoice.paid_minor))
    session.flush()
