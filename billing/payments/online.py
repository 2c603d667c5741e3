"""Paying online through Stripe: the intent a payer confirms in the browser, the Stripe
customer behind an account, and refunds that go back through Stripe.

The amount a payer is asked for is what its chosen invoices still collect (open less what
open disputes hold: a disputed amount is not asked for); the intent names those invoices,
so the payment pays them first however it reaches the books (stripe_sync).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.db import insert_if_missing
from billing.core.errors import InvalidInput, NotFound
from billing.core.locks import lock_account
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from billing.payments import ledger
from billing.payments import stripe as provider
from billing.payments.models import Payment, PaymentReversal, StripeCustomer
from billing.payments.provider import (
    IntentView,
    MethodView,
    PaymentProviderError,
    StripeSettings,
)
from billing.payments.refunds import refund_payment

PAYABLE = ("issued", "partially_paid")
METHOD_TYPES = ("card", "sepa_debit")


def stripe_customer_id(session: Session, settings: StripeSettings, customer: Customer,
                       currency: str) -> str:
    """The Stripe customer of this account in this currency, created on first use."""
    stored = session.scalar(select(StripeCustomer.stripe_id).where(
        StripeCustomer.customer_id == customer.id, StripeCustomer.currency == currency))
    if stored:
        return stored
    made = provider.ensure_customer(settings, account_number=customer.account_number,
                                    currency=currency, email=customer.email_of_record,
                                    name=customer.name)
    insert_if_missing(session, StripeCustomer, "stripe_id", customer_id=customer.id,
                      currency=currency, stripe_id=made)
    return session.scalar(select(StripeCustomer.stripe_id).where(
        StripeCustomer.customer_id == customer.id, StripeCustomer.currency == currency))


def payable_invoices(session: Session, customer: Customer, invoice_ids: Sequence[int],
                     now: datetime) -> list[tuple[Invoice, int]]:
    """The chosen invoices of this account with what each still collects (above zero),
    in due-date order; an id that is not the account's, or nothing left to pay, is refused."""
    invoices = session.scalars(select(Invoice).where(
        Invoice.id.in_(sorted(set(invoice_ids))), Invoice.customer_id == customer.id,
        Invoice.status.in_(PAYABLE))).all()
    if not invoices or len(invoices) != len(set(invoice_ids)):
        raise InvalidInput("Choose one or more open invoices of this account.",
                           code="not_payable")
    if len({i.currency for i in invoices}) > 1:
        raise InvalidInput("Invoices in different currencies are paid separately.",
                           code="mixed_currencies")
    figures = balance.invoice_balances(session, invoices, now)
    payable = [(i, figures[i.id].collectible_minor) for i in invoices
               if figures[i.id].collectible_minor > 0]
    if not payable:
        raise InvalidInput("Nothing is left to pay on these invoices.", code="nothing_due")
    return sorted(payable, key=lambda pair: (pair[0].due_date, pair[0].number))


def start_payment(session: Session, settings: StripeSettings, customer: Customer,
                  invoice_ids: Sequence[int], now: datetime) -> IntentView:
    """A PaymentIntent for what the chosen invoices collect, for the browser to confirm."""
    payable = payable_invoices(session, customer, invoice_ids, now)
    currency = payable[0][0].currency
    return provider.create_payment_intent(
        settings, customer_id=stripe_customer_id(session, settings, customer, currency),
        amount_minor=sum(amount for _, amount in payable), currency=currency,
        account_number=customer.account_number,
        invoice_numbers=[invoice.number for invoice, _ in payable],
        payment_method_types=list(method_types(currency)))


def refund_through_stripe(session: Session, settings: StripeSettings, payment: Payment,
                          amount_minor: int, reason: str, by_user_id: int,
                          now: datetime) -> PaymentReversal:
    """Refund part or all of a Stripe payment: checked against what it holds under the
    account's lock, sent to Stripe, then recorded under the refund's Stripe id (so the
    sync, meeting the same refund, records nothing twice)."""
    if payment.source != "stripe" or not payment.external_id:
        raise InvalidInput("Only a payment taken through Stripe is refunded through Stripe.")
    if payment.customer_id is not None:
        lock_account(session, payment.customer_id)
    held = ledger.figures_of(session, payment).held_minor
    if not 0 < amount_minor <= held:
        raise InvalidInput("A refund must be above zero and at most what the payment still "
                           "holds.", code="over_refundable")
    refund = provider.create_refund(settings, payment_intent_id=payment.external_id,
                                    amount_minor=amount_minor)
    reversal, _ = refund_payment(session, payment.id, amount_minor, now, reason=reason,
                                 by_user_id=by_user_id, external_id=refund.id)
    return reversal


def saved_methods(session: Session, settings: StripeSettings, customer: Customer,
                  currency: str | None = None) -> list[MethodView]:
    """The cards and SEPA mandates the account keeps with Stripe (in one currency, or in
    all its Stripe customers), newest first as Stripe lists them."""
    query = select(StripeCustomer.stripe_id, StripeCustomer.currency).where(
        StripeCustomer.customer_id == customer.id)
    if currency:
        query = query.where(StripeCustomer.currency == currency)
    methods = []
    for stripe_id, its_currency in session.execute(query.order_by(StripeCustomer.currency)):
        for kind in method_types(its_currency):
            methods += _listed(settings, stripe_id, kind)
    return methods


def _listed(settings: StripeSettings, stripe_id: str, kind: str) -> list[MethodView]:
    try:
        return provider.list_payment_methods(settings, stripe_id, kind)
    except PaymentProviderError:
        if kind == "card":
            raise
        return []  # a provider that cannot list this kind (the test fake: SEPA) holds none


def own_method(session: Session, settings: StripeSettings, customer: Customer,
               method_id: str, currency: str | None = None) -> MethodView:
    """One of the account's saved methods; another's (or none) is refused as unknown."""
    for method in saved_methods(session, settings, customer, currency):
        if method.id == method_id:
            return method
    raise NotFound("No such saved payment method.")


def method_types(currency: str) -> tuple[str, ...]:
    """SEPA debit takes euros only; cards take every currency the portal bills in."""
    return METHOD_TYPES if currency.upper() == "EUR" else ("card",)
