"""Stripe's money into the books, once, whatever brings it and in whatever order.

A succeeded PaymentIntent becomes one payment (its id is the payment's outside id), a
Stripe refund one reversal (its id likewise). Three routes bring them: the page the payer
returns to, webhooks, and the periodic sync that asks Stripe for what is recent; any of
them may come first, twice, or never, and the books end the same. A webhook's event is
kept by its id; its object is read again from Stripe rather than trusted, so an old event
arriving after a newer one records the intent as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.db import begin_writing, insert_if_missing, locked_row
from billing.core.errors import DomainError
from billing.parties.models import Customer
from billing.payments import stripe as provider
from billing.payments.models import Payment, PaymentReversal, StripeCustomer, StripeEvent
from billing.payments.provider import EventView, IntentView, RefundView, StripeSettings
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment

STRIPE_METHODS = {"card": "card", "sepa_debit": "sepa_debit"}


def record_intent(session: Session, intent: IntentView, now: datetime) -> Payment | None:
    """The payment a succeeded intent brought (recorded now if it was not yet); None for
    an intent that has not succeeded."""
    if intent.status != "succeeded":
        return None
    names = tuple((intent.metadata or {}).get("invoice_numbers", "").split())
    receipt = Receipt(
        currency=intent.currency.upper(), amount_minor=intent.amount_minor,
        received_at=min(intent.created, now),
        method=STRIPE_METHODS.get(intent.payment_method_type or "card", "card"),
        reference=intent.id, source="stripe", customer_id=account_of(session, intent),
        named_numbers=names, external_id=intent.id,
        payer_note=(intent.metadata or {}).get("account_number", "")[:300])
    payment, _ = record_payment(session, receipt, now)
    return payment


def record_refund(session: Session, refund: RefundView, now: datetime) -> PaymentReversal | None:
    """The reversal a succeeded Stripe refund made (recorded now if it was not yet); None
    while the refund is pending or its payment is not in the books yet (a later sync
    records it after the payment)."""
    if refund.status != "succeeded" or not refund.payment_intent_id:
        return None
    payment = session.scalars(select(Payment).where(
        Payment.external_id == refund.payment_intent_id)).first()
    if payment is None:
        return None
    reversal, _ = refund_payment(session, payment.id, refund.amount_minor, now,
                                 reason=refund.reason or "refunded in Stripe",
                                 external_id=refund.id)
    return reversal


def account_of(session: Session, intent: IntentView) -> int | None:
    """The account an intent pays for: its metadata's account number, else the account
    whose Stripe customer paid; None leaves the payment in the suspense queue."""
    number = (intent.metadata or {}).get("account_number")
    if number:
        found = session.scalar(select(Customer.id).where(Customer.account_number == number))
        if found is not None:
            return found
    if intent.customer_id:
        return session.scalar(select(StripeCustomer.customer_id).where(
            StripeCustomer.stripe_id == intent.customer_id))
    return None


def handle_event(session: Session, settings: StripeSettings, event: EventView,
                 now: datetime) -> str:
    """Process one verified webhook event once; returns what was done, for the log."""
    insert_if_missing(session, StripeEvent, "event_id", event_id=event.id,
                      type=event.type[:100], object_id=(event.object_id or "")[:100],
                      received_at=now, outcome="")
    stored_id = session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event.id))
    stored = locked_row(session, StripeEvent, stored_id)
    if stored.processed_at is not None:
        return "already processed"
    stored.outcome = _outcome(session, settings, event, now)[:300]
    stored.processed_at = now
    session.flush()
    return stored.outcome


def _outcome(session: Session, settings: StripeSettings, event: EventView,
             now: datetime) -> str:
    if event.type.startswith("payment_intent.") and event.object_id:
        intent = provider.retrieve_payment_intent(settings, event.object_id)
        payment = record_intent(session, intent, now)
        return f"payment {payment.id}" if payment else f"intent {intent.status}"
    if event.object.get("object") == "refund":
        return "refund seen; the sync records it"
    return "ignored"


@dataclass
class SyncResult:
    payments: list[int] = field(default_factory=list)
    refunds: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def sync_recent(session: Session, settings: StripeSettings, since: datetime,
                now: datetime) -> SyncResult:
    """Record the succeeded intents and refunds Stripe has since `since` that the books
    lack (what webhooks missed). Each is recorded in a savepoint, so one refused item
    (reported in `problems`) leaves the others recorded."""
    begin_writing(session)
    result = SyncResult()
    for intent in provider.list_recent_payment_intents(settings, since):
        _each(session, result, result.payments, record_intent, intent, now)
    for refund in provider.list_recent_refunds(settings, since):
        _each(session, result, result.refunds, record_refund, refund, now)
    return result


def _each(session, result: SyncResult, into: list[int], record, item, now) -> None:
    known_before = _known_ids(session, item.id)
    try:
        with session.begin_nested():
            recorded = record(session, item, now)
    except DomainError as error:
        result.problems.append(f"{item.id}: {error.message}")
        return
    if recorded is not None and not known_before:
        into.append(recorded.id)


def _known_ids(session: Session, external_id: str) -> bool:
    return bool(session.scalar(select(Payment.id).where(Payment.external_id == external_id))
                or session.scalar(select(PaymentReversal.id)
                                  .where(PaymentReversal.external_id == external_id)))
