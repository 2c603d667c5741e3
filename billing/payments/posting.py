"""Writing allocation rows and moving the invoices they touch, in one place.

An invoice's paid amount is the sum of its allocation rows; `paid_minor` on the invoice
is kept equal to that sum here (under the account's and the invoice's locks), and its
status follows from it (`allocation.invoice_status`), through the status table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from billing.core.bulk import insert_rows, update_rows
from billing.core.db import among
from billing.core.locks import lock_invoices
from billing.invoicing.models import Invoice
from billing.invoicing.status import check_transition, move_invoice_status
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
    """`post` for many payments at once (positive amounts only), without an ORM object per
    invoice: one lock statement, one read of the invoices' amounts and statuses, the
    allocation rows inserted and the invoices' new (paid_minor, status) written in bulk
    (`billing.core.bulk`: COPY on PostgreSQL),
    each move checked against the status table here first (the triggers hold it too).
    Invoices the session holds are expired, so they reload what was written. The caller
    holds the locks of every account concerned; the invoices are locked here, lowest id
    first."""
    rows = [dict(payment_id=payment_id, invoice_id=invoice_id, amount_minor=amount, at=now,
                 reversal_id=None)
            for payment_id, pairs in postings for invoice_id, amount in pairs]
    if not rows:
        return
    ids = lock_invoices(session, [row["invoice_id"] for row in rows])
    before = {i: (number, total, paid, status) for i, number, total, paid, status in
              session.execute(select(Invoice.id, Invoice.number, Invoice.total_minor,
                                     Invoice.paid_minor, Invoice.status)
                              .where(among(session, Invoice.id, ids)))}
    paid = {i: before[i][2] for i in before}
    for row in rows:
        paid[row["invoice_id"]] += row["amount_minor"]
    moves = []
    for i, (number, total, _, status) in before.items():
        new = invoice_status(total, paid[i])
        check_transition(status, new, number)
        moves.append({"id": i, "paid_minor": paid[i], "status": new})
    # Past the session's ORM guards on purpose: the moves are checked just above.
    insert_rows(session, PaymentAllocation.__table__, rows)
    update_rows(session, Invoice.__table__, "id", moves)
    for i in ids:
        held = session.identity_map.get(identity_key(Invoice, i))
        if held is not None:
            session.expire(held, ["paid_minor", "status"])

