"""Money going back out of a payment (refund, chargeback) and coming back (a chargeback
reversal), as DESIGN section 7 says.

A refund or chargeback may take at most what the payment still holds; it takes from the
payment's unapplied credit first, then undoes its allocations, latest first, which
reopens those invoices. A chargeback reversal brings back at most what chargebacks took
(less earlier reversals) and allocates it again by the allocation rules, the invoices the
payer first named coming first. Each outside id is recorded once: a replay changes nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.core.db import begin_writing, locked_row
from billing.core.errors import InvalidInput, NotFound
from billing.core.locks import lock_account
from billing.core.money import Money
from billing.invoicing.models import Invoice
from billing.payments import ledger
from billing.payments.allocation import allocate, take_back
from billing.payments.models import Payment, PaymentReversal
from billing.payments.posting import post
from billing.payments.recording import is_amount


def refund_payment(session: Session, payment_id: int, amount_minor: int, now: datetime, *,
                   kind: str = "refund", reason: str = "", by_user_id: int | None = None,
                   external_id: str | None = None) -> tuple[PaymentReversal, bool]:
    """Take money back out of a payment (`kind` refund or chargeback). Returns the
    reversal and whether it is new."""
    if kind not in ("refund", "chargeback"):
        raise InvalidInput("Unknown kind of money going back.")
    _check_amount(amount_minor)
    payment = _locked_payment(session, payment_id)
    known = _known(session, external_id)
    if known is not None:
        return known, False
    held = ledger.figures_of(session, payment)
    if amount_minor > held.held_minor:
        raise InvalidInput(
            "A refund may take at most what the payment still holds: "
            f"{Money(held.held_minor, payment.currency).major} {payment.currency}.",
            code="over_refundable")
    plan = take_back(amount_minor, held.unapplied_minor,
                     ledger.allocated_by_invoice(session, payment.id))
    reversal = _insert(session, payment, kind, amount_minor, now, reason, by_user_id,
                       external_id)
    if reversal is None:
        return _known(session, external_id), False
    post(session, payment.id, [(i, -amount) for i, amount in plan.undone], now,
         reversal_id=reversal.id)
    return reversal, True


def reverse_chargeback(session: Session, payment_id: int, amount_minor: int, now: datetime,
                       *, reason: str = "", by_user_id: int | None = None,
                       external_id: str | None = None) -> tuple[PaymentReversal, bool]:
    """The provider won a card dispute: the money comes back and pays invoices again."""
    _check_amount(amount_minor)
    payment = _locked_payment(session, payment_id)
    known = _known(session, external_id)
    if known is not None:
        return known, False
    held = ledger.figures_of(session, payment)
    open_chargebacks = held.charged_back_minor - held.restored_minor
    if amount_minor > open_chargebacks:
        raise InvalidInput("A chargeback reversal brings back at most what chargebacks "
                           "took.", code="over_charged_back")
    reversal = _insert(session, payment, "chargeback_reversal", amount_minor, now, reason,
                       by_user_id, external_id)
    if reversal is None:
        return _known(session, external_id), False
    if payment.customer_id is not None:
        named = _named_ids(session, payment)
        plan = allocate(amount_minor, ledger.open_invoices(
            session, payment.customer_id, payment.currency, named), named)
        post(session, payment.id, plan.allocations, now)
    return reversal, True


def _check_amount(amount_minor) -> None:
    if not is_amount(amount_minor):
        raise InvalidInput("An amount going back or coming back must be a whole number of "
                           "minor units above zero.", code="bad_amount")


def _locked_payment(session: Session, payment_id: int) -> Payment:
    """The payment, under its account's lock and its own (two refunds of one payment at
    once run one after the other)."""
    begin_writing(session)
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound("No such payment.")
    account_id = payment.customer_id
    if account_id is not None:
        lock_account(session, account_id)
    payment = locked_row(session, Payment, payment_id)
    if payment.customer_id != account_id:
        # Staff placed it on an account while we waited: we hold the payment's lock but
        # not the account's, and taking it now would reverse the lock order.
        raise InvalidInput("This payment was just placed on an account; try again.",
                           code="just_assigned")
    return payment


def _known(session: Session, external_id: str | None) -> PaymentReversal | None:
    if external_id is None:
        return None
    return session.scalars(select(PaymentReversal)
                           .where(PaymentReversal.external_id == external_id)).first()


def _named_ids(session: Session, payment: Payment) -> list[int]:
    numbers = [n for n in payment.named_invoices or [] if isinstance(n, str)]
    if not numbers:
        return []
    found = dict(session.execute(select(Invoice.number, Invoice.id).where(
        Invoice.number.in_(numbers), Invoice.customer_id == payment.customer_id)).all())
    return [found[n] for n in numbers if n in found]


def _insert(session: Session, payment: Payment, kind: str, amount_minor: int, now: datetime,
            reason: str, by_user_id: int | None,
            external_id: str | None) -> PaymentReversal | None:
    reversal = PaymentReversal(payment_id=payment.id, kind=kind, amount_minor=amount_minor,
                               at=now, reason=(reason or "")[:500],
                               recorded_by_id=by_user_id, external_id=external_id)
    try:
        with session.begin_nested():
            session.add(reversal)
    except IntegrityError:
        return None
    return reversal
