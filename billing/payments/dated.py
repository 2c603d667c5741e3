"""An account's payments as dated rows, as of the end of a day: what statements read.

A payment counts on the day it was received, a refund or chargeback on the day it went
back, a chargeback reversal on the day the money came back. What the account owes on
each invoice follows from its allocation rows, each dated as follows:

- an allocation that paid an invoice counts from the later of the day the payment was
  received, the day the invoice was issued, and the day of the payment's latest
  reversal before the allocation was posted (a staff member recording a cheque a week
  late dates the payment, not the typing; credit spent on a new invoice counts from its
  issue; money restored by a chargeback reversal pays again only once it is back);
- an allocation undone by a refund or chargeback counts on the day it was undone.

What the payments received by the end of the day still held and had not spent on an
invoice by then is the account's unapplied payment credit on that day. With these
rules, the sum of the dated rows and the invoices' open amounts always agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.clock import provider_date
from billing.invoicing.models import Invoice
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal

# How a reversal moves the account's balance: money going back raises what is owed.
REVERSAL_SIGN = {"refund": 1, "chargeback": 1, "chargeback_reversal": -1}


@dataclass(frozen=True)
class DatedPayment:
    payment_id: int
    received_on: date
    method: str
    reference: str
    amount_minor: int


@dataclass(frozen=True)
class DatedReversal:
    payment_id: int
    kind: str  # refund | chargeback | chargeback_reversal
    on: date
    reference: str  # the payment's reference
    amount_minor: int

    @property
    def balance_effect_minor(self) -> int:
        """What the reversal adds to the account's balance (negative: lowers it)."""
        return REVERSAL_SIGN[self.kind] * self.amount_minor


@dataclass(frozen=True)
class PaymentHistory:
    payments: list[DatedPayment]  # received by the end of the day, oldest first
    reversals: list[DatedReversal]  # dated by the end of the day, oldest first
    paid_by_invoice: dict[int, int]  # invoice id -> what its allocations held that day
    unapplied_minor: int  # received and still held, but not spent on an invoice

    def between(self, start: date) -> tuple[list[DatedPayment], list[DatedReversal]]:
        """The payments and reversals dated on or after `start`."""
        return ([p for p in self.payments if p.received_on >= start],
                [r for r in self.reversals if r.on >= start])


def history(session: Session, customer_id: int, currency: str, until: date) -> PaymentHistory:
    """The account's payments in one currency as they stood at the end of `until` (three
    queries, whatever the number of payments)."""
    rows = session.scalars(
        select(Payment).where(Payment.customer_id == customer_id, Payment.currency == currency)
        .order_by(Payment.received_at, Payment.id)).all()
    received = {p.id: provider_date(p.received_at) for p in rows}
    by_id = {p.id: p for p in rows}
    payments = [DatedPayment(p.id, received[p.id], p.method, p.reference, p.amount_minor)
                for p in rows if received[p.id] <= until]
    all_reversals = session.execute(
        select(PaymentReversal.payment_id, PaymentReversal.kind, PaymentReversal.at,
               PaymentReversal.amount_minor)
        .where(PaymentReversal.payment_id.in_(list(by_id)))
        .order_by(PaymentReversal.at, PaymentReversal.id)).all()
    reversals = [DatedReversal(pid, kind, provider_date(at), by_id[pid].reference, amount)
                 for pid, kind, at, amount in all_reversals if provider_date(at) <= until]
    paid = _paid_by_invoice(session, list(by_id), received, all_reversals, until)
    held = (sum(p.amount_minor for p in payments)
            - sum(r.balance_effect_minor for r in reversals))
    return PaymentHistory(payments, reversals, paid, held - sum(paid.values()))


def _paid_by_invoice(session: Session, payment_ids: list[int], received: dict[int, date],
                     reversals, until: date) -> dict[int, int]:
    reversed_at = defaultdict(list)
    for pid, _kind, at, _amount in reversals:
        reversed_at[pid].append(at)
    paid: dict[int, int] = defaultdict(int)
    for pid, invoice_id, amount, at, issued in session.execute(
            select(PaymentAllocation.payment_id, PaymentAllocation.invoice_id,
                   PaymentAllocation.amount_minor, PaymentAllocation.at, Invoice.issue_date)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id.in_(payment_ids))):
        if amount < 0:
            day = provider_date(at)
        else:
            earlier = [provider_date(r) for r in reversed_at[pid] if r <= at]
            day = max([received[pid], issued or received[pid], *earlier])
        if day <= until:
            paid[invoice_id] += amount
    return dict(paid)
