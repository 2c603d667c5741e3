"""Recording money received: from Stripe, a report, or staff entering a cheque or wire.

`record_payment` stores the payment once per outside id (a replay returns the payment
already recorded and changes nothing), allocates it by the rules in `allocation`, and
classes it. An unknown payer leaves it unmatched in the suspense queue until staff
`assign_payment` it to an account, which allocates then what it still holds (a refund
may have sent some back meanwhile). `spend_unapplied_credit` pays newly issued invoices
from the account's unapplied credit, oldest payment first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.core.clock import require_aware
from billing.core.db import begin_writing, locked_row
from billing.core.errors import InvalidInput, NotFound
from billing.core.locks import lock_account
from billing.core.money import MAX_MINOR, check_currency
from billing.invoicing.models import Invoice
from billing.parties.bill_to import bill_to
from billing.parties.models import Customer
from billing.payments import ledger
from billing.payments.allocation import AllocationPlan, allocate
from billing.payments.models import PAYMENT_METHODS, PAYMENT_SOURCES, Payment
from billing.payments.posting import post


@dataclass(frozen=True)
class Receipt:
    """What the payer says: who (if known), how much, how, and which invoices it pays."""

    currency: str
    amount_minor: int
    received_at: datetime
    method: str
    reference: str
    source: str
    customer_id: int | None = None
    named_numbers: Sequence[str] = ()
    external_id: str | None = None
    payer_note: str = ""
    note: str = ""
    recorded_by_id: int | None = None
    strict_names: bool = False  # staff entry: a name that is not the account's is refused


def record_payment(session: Session, receipt: Receipt, now: datetime) -> tuple[Payment, bool]:
    """Record and allocate one payment; returns it and whether it is new (False: the
    same outside transaction was recorded before, and nothing changed)."""
    _check(receipt, now)
    begin_writing(session)
    payer = _payer(session, receipt.customer_id)
    if payer is not None:
        lock_account(session, payer.id)
    known = _known(session, receipt.external_id)
    if known is not None:
        return known, False
    named_ids = _named_ids(session, payer, receipt) if payer else []
    invoices = ledger.open_invoices(session, payer.id, receipt.currency, named_ids) \
        if payer else []
    plan = allocate(receipt.amount_minor, invoices, named_ids, account_known=payer is not None)
    payment = _insert(session, receipt, payer, plan.payment_class)
    if payment is None:  # another transaction recorded the same outside id first
        return _known(session, receipt.external_id), False
    post(session, payment.id, plan.allocations, now)
    return payment, True


def assign_payment(session: Session, payment_id: int, customer_id: int,
                   named_numbers: Sequence[str], by_user_id: int, reason: str,
                   now: datetime) -> Payment:
    """Place an unmatched payment on an account (staff, from the suspense queue) and
    allocate it there; who did it and why are kept on the payment."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why this payment belongs to this account.")
    payer = _payer(session, customer_id)
    lock_account(session, payer.id)
    payment = locked_row(session, Payment, payment_id)
    if payment is None:
        raise NotFound("No such payment.")
    if payment.customer_id is not None:
        raise InvalidInput("This payment is already on an account.", code="already_assigned")
    receipt = Receipt(payment.currency, payment.amount_minor, payment.received_at,
                      payment.method, payment.reference, payment.source, payer.id,
                      tuple(named_numbers), strict_names=True)
    named_ids = _named_ids(session, payer, receipt)
    # What it still holds: a refund or chargeback may have taken some while it waited.
    left = ledger.figures_of(session, payment).unapplied_minor
    plan = allocate(left, ledger.open_invoices(session, payer.id, payment.currency,
                                               named_ids), named_ids) if left > 0 \
        else AllocationPlan((), 0, "matched")  # it all went back: nothing to pay
    payment.customer_id, payment.payment_class = payer.id, plan.payment_class
    payment.named_invoices = list(named_numbers)
    payment.assigned_at, payment.assigned_by_id = now, by_user_id
    payment.assignment_reason = reason[:500]
    session.flush()
    post(session, payment.id, plan.allocations, now)
    return payment


def spend_unapplied_credit(session: Session, customer_id: int, currency: str,
                           now: datetime) -> int:
    """Pay the account's open invoices from its unapplied credit, oldest payment first,
    oldest due invoice first. Returns the amount spent."""
    lock_account(session, customer_id)
    spent = 0
    for payment in ledger.unapplied_payments(session, customer_id, currency):
        left = ledger.figures_of(session, payment).unapplied_minor
        invoices = ledger.open_invoices(session, customer_id, currency)
        if not invoices:
            break
        plan = allocate(left, invoices)
        post(session, payment.id, plan.allocations, now)
        spent += left - plan.unapplied_minor
    return spent


def customers_with_payments(session: Session, customer_ids: Sequence[int]) -> set[int]:
    """Which of these accounts have ever paid (only they can hold unapplied credit)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    return set(session.scalars(select(Payment.customer_id).distinct()
                               .where(Payment.customer_id.in_(ids))))


def _check(receipt: Receipt, now: datetime) -> None:
    check_currency(receipt.currency)
    if not is_amount(receipt.amount_minor) or receipt.amount_minor > MAX_MINOR:
        raise InvalidInput("A payment's amount must be above zero and within the "
                           "largest amount the portal records.", code="bad_amount")
    if receipt.method not in PAYMENT_METHODS or receipt.source not in PAYMENT_SOURCES:
        raise InvalidInput("Unknown payment method.", code="bad_method")
    if require_aware(receipt.received_at) > now:
        raise InvalidInput("A payment cannot be received in the future.", code="future")
    if not (receipt.reference or "").strip() or len(receipt.reference) > 100:
        raise InvalidInput("A payment needs a reference of at most 100 characters "
                           "(cheque number, bank reference).", code="bad_reference")


def is_amount(value) -> bool:
    """A positive whole number of minor units (not a float, not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _payer(session: Session, customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("No such account.")
    return bill_to(customer)


def _known(session: Session, external_id: str | None) -> Payment | None:
    if external_id is None:
        return None
    return session.scalars(select(Payment).where(Payment.external_id == external_id)).first()


def _named_ids(session: Session, payer: Customer, receipt: Receipt) -> list[int]:
    """The ids of the named invoices that are the payer's, in the payer's order."""
    numbers = [n.strip() for n in receipt.named_numbers if n and n.strip()]
    if not numbers:
        return []
    found = dict(session.execute(
        select(Invoice.number, Invoice.id).where(
            Invoice.number.in_(numbers), Invoice.customer_id == payer.id,
            Invoice.currency == receipt.currency, Invoice.status != "void")).all())
    missing = [n for n in numbers if n not in found]
    if missing and receipt.strict_names:
        raise InvalidInput(f"Not an invoice of this account in {receipt.currency}: "
                           f"{', '.join(missing[:5])}.", code="unknown_invoice")
    return [found[n] for n in numbers if n in found]


def _insert(session: Session, receipt: Receipt, payer: Customer | None,
            payment_class: str) -> Payment | None:
    payment = Payment(
        customer_id=payer.id if payer else None, currency=receipt.currency,
        amount_minor=receipt.amount_minor, received_at=receipt.received_at,
        method=receipt.method, reference=receipt.reference.strip(), source=receipt.source,
        external_id=receipt.external_id, named_invoices=list(receipt.named_numbers),
        payment_class=payment_class, payer_note=receipt.payer_note[:300],
        note=receipt.note[:500], recorded_by_id=receipt.recorded_by_id)
    try:
        with session.begin_nested():
            session.add(payment)
    except IntegrityError:
        return None
    return payment
