"""Autopay: an account's saved card or SEPA mandate charged for what each invoice
collects (a disputed amount left out), a set number of business days before its due
date, retried on the policy's schedule after a failure; the account is told each time.

An account opts in per currency with one of its saved methods; opting out stops the next
charge. A charge is claimed in the action log before Stripe is asked, under the account's
lock, so two jobs never charge one invoice twice; the payment it brings is recorded by
its PaymentIntent id, so the webhook or the sync that sees it later changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.collections import actions
from billing.collections.models import AutopayEnrolment
from billing.collections.schedule import Step, Terms, next_retry_day
from billing.core import outbox
from billing.core.db import among, begin_writing
from billing.core.errors import InvalidInput
from billing.core.locks import lock_account, lock_invoices
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from billing.payments import online
from billing.payments import stripe as provider
from billing.payments.provider import PaymentProviderError, StripeSettings
from billing.payments.stripe_sync import record_intent

# (kind of notice, account, facts) -> (subject, body), in the account's language.
Writer = Callable[[str, Customer, dict], tuple[str, str]]


def enrol(session: Session, settings: StripeSettings, customer: Customer, method_id: str,
          by_user_id: int | None, now: datetime) -> AutopayEnrolment:
    """Opt the account in for its currency with one of its saved methods (another
    account's method is refused as unknown)."""
    method = online.own_method(session, settings, customer, method_id, customer.currency)
    begin_writing(session)
    enrolment = enrolment_of(session, customer.id, customer.currency)
    if enrolment is None:
        enrolment = AutopayEnrolment(customer_id=customer.id, currency=customer.currency)
        session.add(enrolment)
    enrolment.payment_method_id, enrolment.method_type = method.id, method.type
    enrolment.method_label = " ".join(filter(None, (method.brand, method.last4)))[:100]
    enrolment.enrolled_at, enrolment.enrolled_by_id = now, by_user_id
    enrolment.cancelled_at = None
    session.flush()
    return enrolment


def opt_out(session: Session, customer: Customer, now: datetime) -> None:
    """Stop autopay for the account's currency: the next charge is not made."""
    enrolment = enrolment_of(session, customer.id, customer.currency)
    if enrolment is None or not enrolment.is_active:
        raise InvalidInput("Autopay is not on for this account.", code="not_enrolled")
    enrolment.cancelled_at = now
    session.flush()


def enrolment_of(session: Session, customer_id: int, currency: str) -> AutopayEnrolment | None:
    return session.scalar(select(AutopayEnrolment).where(
        AutopayEnrolment.customer_id == customer_id, AutopayEnrolment.currency == currency))


def active_enrolments(session: Session,
                      customer_ids: Iterable[int]) -> dict[tuple[int, str], AutopayEnrolment]:
    """Per (account, currency), the enrolments in force among these accounts."""
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    return {(e.customer_id, e.currency): e for e in session.scalars(
        select(AutopayEnrolment).where(among(session, AutopayEnrolment.customer_id, ids),
                                       AutopayEnrolment.cancelled_at.is_(None)))}


def attempt(session: Session, settings: StripeSettings, terms: Terms,
            enrolment: AutopayEnrolment, invoice_id: int, step: Step, failed_on: list[date],
            today: date, now: datetime, write: Writer) -> str | None:
    """Charge one invoice's collectible amount; the outcome ("succeeded", "failed",
    "pending"), or None when nothing was charged (nothing due, or taken already)."""
    lock_account(session, enrolment.customer_id)
    lock_invoices(session, [invoice_id])
    invoice = session.get(Invoice, invoice_id, populate_existing=True)
    amount = balance.invoice_balance(session, invoice, now).collectible_minor
    if amount <= 0:
        return None
    action_id = actions.claim(session, invoice_id=invoice.id, customer_id=invoice.customer_id,
                              step=step, today=today, currency=invoice.currency,
                              amount_minor=amount, now=now)
    if action_id is None:
        return None
    customer = session.get(Customer, invoice.customer_id)
    facts = {"invoice_number": invoice.number, "amount_minor": amount,
             "currency": invoice.currency, "due_date": invoice.due_date,
             "method": enrolment.method_label, "next_try": None, "message": ""}
    try:
        intent = provider.charge_saved_method(
            settings, customer_id=online.stripe_customer_id(session, settings, customer,
                                                            invoice.currency),
            payment_method_id=enrolment.payment_method_id, amount_minor=amount,
            currency=invoice.currency, account_number=customer.account_number,
            invoice_numbers=[invoice.number], method_type=enrolment.method_type,
            idempotency_key=f"autopay-{invoice.number}-{step.step}-{step.period}")
    except PaymentProviderError as error:
        return _failed(session, terms, action_id, customer, facts, [*failed_on, today],
                       error.message, getattr(error, "intent_id", None), now, write)
    if intent.status == "succeeded":
        record_intent(session, intent, now)
        actions.settle(session, action_id, "succeeded", external_id=intent.id)
        _tell(session, "autopay_succeeded", action_id, customer, facts, now, write)
        return "succeeded"
    if intent.status == "processing":  # a SEPA debit: the webhook or the sync records it
        actions.settle(session, action_id, "pending", external_id=intent.id)
        return "pending"
    return _failed(session, terms, action_id, customer, facts, [*failed_on, today],
                   intent.last_error_message or "The payment needs the payer's approval.",
                   intent.id, now, write)


def _failed(session, terms, action_id, customer, facts, failed_on, message, intent_id,
            now, write) -> str:
    actions.settle(session, action_id, "failed", detail=message, external_id=intent_id)
    facts.update(message=message, next_try=next_retry_day(terms, failed_on))
    _tell(session, "autopay_failed", action_id, customer, facts, now, write)
    return "failed"


def _tell(session, kind, action_id, customer, facts, now, write) -> None:
    subject, body = write(kind, customer, facts)
    outbox.enqueue(session, to=customer.email_of_record, subject=subject, body=body,
                   kind=f"collections_{kind}"[:32], now=now,
                   dedup_key=f"collections-{action_id}")
