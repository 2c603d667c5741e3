"""What payments hold, read from their rows: allocated, gone back, unapplied, refundable.

Every figure is a sum of rows (allocations and reversals), so it is right at any instant
without a stored running total. Queries are one per question, however many payments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from billing.invoicing.models import Invoice
from billing.payments.allocation import Allocated, OpenInvoice, refundable
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal

BILLED = ("issued", "partially_paid", "paid")


@dataclass(frozen=True)
class PaymentFigures:
    amount_minor: int
    allocated_minor: int
    refunded_minor: int
    charged_back_minor: int
    restored_minor: int

    @property
    def unapplied_minor(self) -> int:
        return self.held_minor - self.allocated_minor

    @property
    def held_minor(self) -> int:
        """What the payment still holds: brought in, less what went back."""
        return refundable(self.amount_minor, self.refunded_minor, self.charged_back_minor,
                          self.restored_minor)


def figures(session: Session, payments: Iterable[Payment]) -> dict[int, PaymentFigures]:
    """Per payment id, its figures now (two queries)."""
    payments = list(payments)
    ids = [p.id for p in payments]
    if not ids:
        return {}
    allocated = dict(session.execute(
        select(PaymentAllocation.payment_id, func.sum(PaymentAllocation.amount_minor))
        .where(PaymentAllocation.payment_id.in_(ids))
        .group_by(PaymentAllocation.payment_id)).all())
    gone: dict[int, dict[str, int]] = {}
    for payment_id, kind, amount in session.execute(
            select(PaymentReversal.payment_id, PaymentReversal.kind,
                   func.sum(PaymentReversal.amount_minor))
            .where(PaymentReversal.payment_id.in_(ids))
            .group_by(PaymentReversal.payment_id, PaymentReversal.kind)):
        gone.setdefault(payment_id, {})[kind] = int(amount)
    return {p.id: PaymentFigures(
        p.amount_minor, int(allocated.get(p.id) or 0),
        gone.get(p.id, {}).get("refund", 0), gone.get(p.id, {}).get("chargeback", 0),
        gone.get(p.id, {}).get("chargeback_reversal", 0)) for p in payments}


def figures_of(session: Session, payment: Payment) -> PaymentFigures:
    return figures(session, [payment])[payment.id]


def open_invoices(session: Session, customer_id: int, currency: str,
                  include_ids: Iterable[int] = ()) -> list[OpenInvoice]:
    """The account's billed invoices in a currency that still owe something, and any
    invoices in `include_ids` whatever they owe (named ones: a paid one shows a duplicate)."""
    include = list(include_ids)
    owing = Invoice.total_minor > Invoice.paid_minor
    rows = session.execute(
        select(Invoice.id, Invoice.number, Invoice.due_date,
               Invoice.total_minor - Invoice.paid_minor)
        .where(Invoice.customer_id == customer_id, Invoice.currency == currency,
               Invoice.status.in_(BILLED),
               owing | Invoice.id.in_(include) if include else owing)).all()
    return [OpenInvoice(i, number, due, max(open_minor, 0))
            for i, number, due, open_minor in rows]


def allocated_by_invoice(session: Session, payment_id: int) -> list[Allocated]:
    """What one payment holds on each invoice it paid, with when it last paid it."""
    positive = case((PaymentAllocation.amount_minor > 0, PaymentAllocation.at))
    positive_id = case((PaymentAllocation.amount_minor > 0, PaymentAllocation.id))
    rows = session.execute(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_minor),
               func.max(positive), func.max(positive_id))
        .where(PaymentAllocation.payment_id == payment_id)
        .group_by(PaymentAllocation.invoice_id)).all()
    return [Allocated(invoice_id, int(amount), at, last_id)
            for invoice_id, amount, at, last_id in rows if amount > 0]


def unapplied_payments(session: Session, customer_id: int, currency: str) -> list[Payment]:
    """The account's payments in a currency that still hold unapplied credit, oldest first."""
    payments = session.scalars(
        select(Payment).where(Payment.customer_id == customer_id,
                              Payment.currency == currency)
        .order_by(Payment.received_at, Payment.id)).all()
    found = figures(session, payments)
    return [p for p in payments if found[p.id].unapplied_minor > 0]


def unapplied_credit(session: Session, customer_id: int) -> dict[str, int]:
    """The account's unapplied payment credit per currency (currencies with none left out)."""
    payments = session.scalars(select(Payment).where(Payment.customer_id == customer_id)).all()
    found = figures(session, payments)
    credit: dict[str, int] = {}
    for payment in payments:
        left = found[payment.id].unapplied_minor
        if left:
            credit[payment.currency] = credit.get(payment.currency, 0) + left
    return credit
