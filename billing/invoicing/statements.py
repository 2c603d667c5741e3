"""Account statements: what a customer owed, was billed, paid and credited over a period.

The balance follows one rule: an invoice adds its charges (subtotal plus taxes, before
any credit) on its issue date, a payment takes away the whole amount received on the day
it was received (what it did not pay on an invoice is credit on the account), a refund
or chargeback adds back what went back on its day, a chargeback reversal takes away
again what came back, and a credit note takes away its amount on the day it was issued.
Credits reach invoices later as credit lines; those lines only spend a credit already
counted, so the statement shows them beside each invoice but never subtracts them a
second time. Payments are read from their dated rows (`billing.payments.dated`), never
from the undated `Invoice.paid_minor`, so a statement of a past period stays as it was.

opening + charges - payments + refunds and chargebacks - reversals - credits = closing,
and the ageing at the end of the period (buckets less unapplied credit notes and less
unapplied payment credit) equals the closing balance.

One statement covers one account in its own currency (an account bills in one), for
whole provider-calendar days from `period_start` to `period_end` inclusive.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from billing.collections.ageing import BUCKETS, bucket_of
from billing.core.clock import PROVIDER_TZ, provider_date
from billing.core.errors import InvalidInput
from billing.invoicing import balance
from billing.invoicing.balance import BILLED_STATUSES
from billing.invoicing.models import CreditNote, Invoice, InvoiceLine
from billing.parties.models import Customer
from billing.payments.dated import DatedPayment, DatedReversal, PaymentHistory, history
from billing.sla.models import SlaCreditRequest

# "disputed": what open disputes hold back; it is not chased, so it ages in no bucket.
# The buckets and their bounds are the receivables ageing's (billing.collections.ageing).
AGEING_BUCKETS = BUCKETS


@dataclass(frozen=True)
class StatementInvoice:
    number: str
    issue_date: date
    due_date: date
    charges_minor: int  # subtotal and taxes, before credits
    credit_applied_minor: int  # credit notes spent on this invoice
    total_minor: int  # what the invoice asked for: charges less credits applied
    paid_minor: int  # what payments had paid on it by the end of the period
    standing: str = "issued"  # at the end of the period (balance.standing): "overdue"...


# A payment line: received_on, method, reference, amount_minor; a refund, chargeback or
# chargeback reversal line: on, kind, reference (the payment's), amount_minor.
StatementPayment = DatedPayment
StatementReversal = DatedReversal


@dataclass(frozen=True)
class StatementCredit:
    number: str
    issued_on: date
    reason: str
    reference: str
    amount_minor: int


@dataclass(frozen=True)
class StatementSlaCredit:
    month: date  # the first day of the month the credit was earned in
    service: str  # the product's canonical name
    hours: int
    amount_minor: int
    credit_note: str
    service_names: dict = field(default_factory=dict)  # its names per locale


@dataclass(frozen=True)
class Ageing:
    """What is open at the end of the period, by days past the due date.

    Credit notes not yet spent on an invoice, and payments not yet spent on one, lower
    the balance but belong to no bucket: buckets summed, less `unapplied_credit_minor`
    and `unapplied_payment_minor`, give the closing balance.
    """

    buckets: dict[str, int]
    unapplied_credit_minor: int  # credit notes
    unapplied_payment_minor: int = 0  # payments received, held, not spent on an invoice

    @property
    def total_minor(self) -> int:
        return (sum(self.buckets.values()) - self.unapplied_credit_minor
                - self.unapplied_payment_minor)


@dataclass(frozen=True)
class Statement:
    customer_id: int
    account_number: str
    name: str
    currency: str
    period_start: date
    period_end: date
    opening_minor: int
    invoices: list[StatementInvoice]
    payments: list[StatementPayment]
    reversals: list[StatementReversal]
    credits: list[StatementCredit]
    sla_credits: list[StatementSlaCredit]
    closing_minor: int
    ageing: Ageing

    @property
    def paid_minor(self) -> int:
        return sum(p.amount_minor for p in self.payments)

    @property
    def reversed_minor(self) -> int:
        """Refunds and chargebacks less chargeback reversals: what the period added back."""
        return sum(r.balance_effect_minor for r in self.reversals)


def build_statement(session: Session, customer: Customer, period_start: date,
                    period_end: date, now: datetime) -> Statement:
    """The statement of one account for a period that has begun and is not in the future."""
    if period_start > period_end:
        raise InvalidInput("A statement period must start before it ends.")
    if period_end > provider_date(now):
        raise InvalidInput("A statement can only cover days that have passed.")
    paid = history(session, customer.id, customer.currency, period_end)
    invoices = _invoices(session, customer, period_end, paid)
    notes = _credit_notes(session, customer, period_end)
    earlier = [i for i in invoices if i.issue_date < period_start]
    current = [i for i in invoices if i.issue_date >= period_start]
    notes_before = [n for n in notes if n.issued_on < period_start]
    payments, reversals = paid.between(period_start)
    opening = (sum(i.charges_minor for i in earlier) - sum(n.amount_minor for n in notes_before)
               - _net_paid(paid.payments, paid.reversals) + _net_paid(payments, reversals))
    credits = [n for n in notes if n.issued_on >= period_start]
    closing = (opening + sum(i.charges_minor for i in current)
               - _net_paid(payments, reversals) - sum(n.amount_minor for n in credits))
    disputed = _disputed(session, customer, period_end)
    current = [replace(i, standing=balance.standing(
        _owed(i, disputed, period_end, customer.currency), "issued")) for i in current]
    return Statement(
        customer_id=customer.id, account_number=customer.account_number, name=customer.name,
        currency=customer.currency, period_start=period_start, period_end=period_end,
        opening_minor=opening, invoices=current, payments=payments, reversals=reversals,
        credits=credits, sla_credits=_sla_credits(session, customer, period_start, period_end),
        closing_minor=closing,
        ageing=_ageing(invoices, notes, paid, period_end, disputed, customer.currency))


def _net_paid(payments: list[DatedPayment], reversals: list[DatedReversal]) -> int:
    """What payments took off the balance, less what reversals put back."""
    return (sum(p.amount_minor for p in payments)
            - sum(r.balance_effect_minor for r in reversals))


def _invoices(session: Session, customer: Customer, until: date,
              paid: PaymentHistory) -> list[StatementInvoice]:
    """The account's invoices issued up to `until`, oldest first, with credit applied and
    what payments had paid on each by the end of `until`."""
    rows = session.scalars(
        select(Invoice).where(Invoice.customer_id == customer.id,
                              Invoice.currency == customer.currency,
                              Invoice.status.in_(BILLED_STATUSES), Invoice.issue_date <= until)
        .order_by(Invoice.issue_date, Invoice.number)).all()
    applied = dict(session.execute(
        select(InvoiceLine.invoice_id, func.sum(InvoiceLine.amount_minor))
        .where(InvoiceLine.invoice_id.in_([i.id for i in rows]),
               InvoiceLine.credit_note_id.is_not(None))
        .group_by(InvoiceLine.invoice_id)).all())
    return [StatementInvoice(
        number=i.number, issue_date=i.issue_date, due_date=i.due_date,
        charges_minor=i.total_minor - (applied.get(i.id) or 0),
        credit_applied_minor=-(applied.get(i.id) or 0), total_minor=i.total_minor,
        paid_minor=paid.paid_by_invoice.get(i.id, 0)) for i in rows]


def _credit_notes(session: Session, customer: Customer, until: date) -> list[StatementCredit]:
    end = _start_of(until + timedelta(days=1))
    rows = session.scalars(
        select(CreditNote).where(CreditNote.customer_id == customer.id,
                                 CreditNote.currency == customer.currency,
                                 CreditNote.issued_at < end)
        .order_by(CreditNote.issued_at, CreditNote.id)).all()
    return [StatementCredit(n.number, provider_date(n.issued_at), n.reason, n.reference,
                            n.amount_minor) for n in rows]


def _sla_credits(session: Session, customer: Customer, start: date,
                 end: date) -> list[StatementSlaCredit]:
    """Approved SLA credits whose credit note was issued in the period."""
    rows = session.scalars(
        select(SlaCreditRequest).join(SlaCreditRequest.credit_note)
        .where(SlaCreditRequest.customer_id == customer.id,
               SlaCreditRequest.status == "approved",
               CreditNote.currency == customer.currency,
               CreditNote.issued_at >= _start_of(start),
               CreditNote.issued_at < _start_of(end + timedelta(days=1)))
        .options(joinedload(SlaCreditRequest.credit_note))
        .order_by(SlaCreditRequest.month, SlaCreditRequest.id)).all()
    return [StatementSlaCredit(r.month, r.service.product.name, r.hours,
                               r.credit_note.amount_minor, r.credit_note.number,
                               dict(r.service.product.name_translations or {}))
            for r in rows]


def _disputed(session: Session, customer: Customer, on: date) -> dict[str, int]:
    """Per invoice number, what its disputes held back at the end of the day `on`."""
    numbers = dict(session.execute(
        select(Invoice.id, Invoice.number).where(Invoice.customer_id == customer.id)).all())
    last_instant = _start_of(on + timedelta(days=1)) - timedelta(microseconds=1)
    held = balance.disputed_at(session, numbers, last_instant)
    return {numbers[invoice_id]: amount for invoice_id, amount in held.items()}


def _ageing(invoices: list[StatementInvoice], notes: list[StatementCredit],
            paid: PaymentHistory, on: date, disputed: dict[str, int], currency: str) -> Ageing:
    buckets = defaultdict(int, dict.fromkeys(AGEING_BUCKETS, 0))
    for invoice in invoices:
        owed = _owed(invoice, disputed, on, currency)
        buckets["disputed"] += owed.held_minor
        if owed.collectible_minor:
            buckets[bucket_of((on - invoice.due_date).days)] += owed.collectible_minor
    applied = sum(i.credit_applied_minor for i in invoices)
    unapplied = sum(n.amount_minor for n in notes) - applied
    return Ageing(dict(buckets), unapplied, paid.unapplied_minor)


def _owed(invoice: StatementInvoice, disputed: dict[str, int], on: date,
          currency: str) -> balance.Balance:
    """The invoice's balance at the end of `on`, from the statement's dated figures."""
    return balance.compute(
        currency=currency, billed_minor=invoice.charges_minor,
        credited_minor=invoice.credit_applied_minor, paid_minor=invoice.paid_minor,
        disputed_minor=disputed.get(invoice.number, 0), due_date=invoice.due_date, on=on)


def _start_of(day: date) -> datetime:
    """The first instant of a day on the provider's calendar."""
    return datetime.combine(day, time.min, PROVIDER_TZ)
