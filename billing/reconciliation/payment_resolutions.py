"""Staff resolving a payment reconciliation's exceptions, each once, with who, when and why.

A resolution that moves money calls the payments domain, which takes the account's lock:
- `assigned`: an unmatched payment placed on the account staff chose (`assign_payment`);
- `recorded`: a charge the portal never saw recorded as a payment of the account staff
  chose (`record_payment`, outside id the charge's PaymentIntent);
- `refunded`: a duplicate or unmatched payment given back whole, or a refund or dispute
  the portal missed recorded against its payment (`refund_payment`, `reverse_chargeback`).
`written_off` and `explained` move nothing and need only the reason. Every resolution
gives the item a new class (the payment's class once tied, else the resolution's name)
and moves it there in the run's figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from billing.core.db import locked_row
from billing.core.errors import InvalidInput, NotFound
from billing.core.locks import lock_account
from billing.parties.bill_to import bill_to
from billing.parties.models import Customer
from billing.payments import ledger
from billing.payments.models import Payment
from billing.payments.recording import Receipt, assign_payment, record_payment
from billing.payments.refunds import refund_payment, reverse_chargeback
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_matching import REVERSAL_CLASSES
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from billing.reconciliation.runs import add_to_figures

# What each kind of exception may be resolved by.
ALLOWED = {
    "unmatched": ("assigned", "refunded", "explained"),
    "duplicate": ("refunded", "explained"),
    "unknown_charge": ("recorded", "written_off", "explained"),
    "unknown_reversal": ("refunded", "written_off", "explained"),
    "payout_mismatch": ("written_off", "explained"),
}


@dataclass(frozen=True)
class Resolution:
    how: str
    reason: str
    by: str  # the user's e-mail, for the record
    by_user_id: int | None = None
    customer_id: int | None = None  # assigned, recorded: the account chosen
    invoice_numbers: Sequence[str] = field(default=())


def resolve_exception(session: Session, exception_id: int, resolution: Resolution,
                      now: datetime) -> ReconciliationException:
    """Resolve one open exception; flushes. Refused (InvalidInput) when it is resolved
    already, the resolution does not fit its kind, or the reason is missing."""
    exception = session.get(ReconciliationException, exception_id)
    if exception is None:
        raise NotFound("No such exception.")
    _check(exception, resolution)
    _lock_account(session, exception.item, resolution)
    exception = locked_row(session, ReconciliationException, exception_id)
    if exception.status != "open":
        raise InvalidInput("This exception has been resolved already.", code="resolved")
    item = exception.item
    old_class = item.item_class
    item.item_class = _apply(session, item, resolution, now)
    exception.status, exception.resolution = "resolved", resolution.how
    exception.resolved_by, exception.resolved_at = resolution.by[:200], now
    exception.reason = resolution.reason.strip()[:500]
    _move_in_figures(session, exception.run_id, item, old_class)
    session.flush()
    return exception


def _check(exception: ReconciliationException, resolution: Resolution) -> None:
    if resolution.how not in ALLOWED[exception.kind]:
        raise InvalidInput("This kind of exception cannot be resolved that way.",
                           code="bad_resolution")
    if not resolution.reason.strip():
        raise InvalidInput("Say why: the reason is kept with the resolution.",
                           code="no_reason")
    if resolution.how in ("assigned", "recorded") and resolution.customer_id is None:
        raise InvalidInput("Choose the account the payment belongs to.", code="no_account")


def _lock_account(session: Session, item: ReconciliationItem, resolution: Resolution) -> None:
    """The account whose money moves is locked before anything else is."""
    if resolution.how in ("assigned", "recorded"):
        customer = session.get(Customer, resolution.customer_id)
        if customer is None:
            raise NotFound("No such account.")
        lock_account(session, bill_to(customer).id)
    elif resolution.how == "refunded" and item.payment_id is not None:
        payment = session.get(Payment, item.payment_id)
        if payment.customer_id is not None:
            lock_account(session, payment.customer_id)


def _apply(session: Session, item: ReconciliationItem, resolution: Resolution,
           now: datetime) -> str:
    """Do what the resolution says; returns the item's new class."""
    if resolution.how == "assigned":
        payment = assign_payment(session, item.payment_id, resolution.customer_id,
                                 resolution.invoice_numbers, resolution.by_user_id,
                                 resolution.reason, now)
        return payment.payment_class
    if resolution.how == "recorded":
        return _record(session, item, resolution, now)
    if resolution.how == "refunded":
        return _refund(session, item, resolution, now)
    return resolution.how


def _record(session: Session, item: ReconciliationItem, resolution: Resolution,
            now: datetime) -> str:
    payment, _ = record_payment(session, Receipt(
        currency=item.currency, amount_minor=item.gross_minor, received_at=item.created_utc,
        method="card", reference=item.charge_id or item.balance_transaction_id,
        source="report", customer_id=resolution.customer_id,
        named_numbers=tuple(resolution.invoice_numbers),
        external_id=item.payment_intent_id or item.charge_id,
        note=f"Stripe balance transaction {item.balance_transaction_id}: "
             f"{resolution.reason.strip()}"[:500],
        recorded_by_id=resolution.by_user_id, strict_names=True), now)
    item.payment_id = payment.id
    return payment.payment_class


def _refund(session: Session, item: ReconciliationItem, resolution: Resolution,
            now: datetime) -> str:
    if item.payment_id is None:
        raise InvalidInput("The portal holds no payment for this transaction: write it off "
                           "or explain it instead.", code="no_payment")
    reason = f"Stripe balance transaction {item.balance_transaction_id}: " \
        f"{resolution.reason.strip()}"
    if item.reporting_category == "charge":  # a duplicate or unmatched payment, given back
        held = ledger.figures_of(session, session.get(Payment, item.payment_id)).held_minor
        if held <= 0:
            raise InvalidInput("Nothing is left of this payment to refund.", code="nothing_held")
        refund_payment(session, item.payment_id, held, now, reason=reason,
                       by_user_id=resolution.by_user_id)
        return "refunded"
    if item.reporting_category == "dispute_reversal":
        reversal, _ = reverse_chargeback(session, item.payment_id, item.gross_minor, now,
                                         reason=reason, by_user_id=resolution.by_user_id,
                                         external_id=item.balance_transaction_id)
    else:
        reversal, _ = refund_payment(
            session, item.payment_id, -item.gross_minor, now,
            kind="refund" if item.reporting_category == "refund" else "chargeback",
            reason=reason, by_user_id=resolution.by_user_id, external_id=item.source_id)
    item.reversal_id = reversal.id
    return REVERSAL_CLASSES[item.reporting_category]


def _move_in_figures(session: Session, run_id: int, item: ReconciliationItem,
                     old_class: str) -> None:
    run = locked_row(session, ReconciliationRun, run_id)
    moved = {cls: {cur: dict(entry) for cur, entry in by_currency.items()}
             for cls, by_currency in (run.figures or {}).items()}
    add_to_figures(moved, old_class, item.currency, -item.gross_minor, count=-1)
    add_to_figures(moved, item.item_class, item.currency, item.gross_minor)
    run.figures = {cls: kept for cls, by_currency in moved.items()
                   if (kept := {cur: entry for cur, entry in by_currency.items()
                                if entry["count"]})}
