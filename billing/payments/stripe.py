"""The Stripe adapter: the one module that imports `stripe`.

The payments domain speaks of payments, refunds and saved methods; this module turns
those into Stripe requests and Stripe's answers back into the plain views of
billing/payments/provider.py. Each call builds its own client from `StripeSettings`, so
no global Stripe configuration exists and tests can point a call at the localstripe fake.
Stripe's errors come out as `PaymentProviderError` (or `PaymentDeclined`), never raw.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import stripe

from billing.core.clock import require_aware
from billing.core.errors import InvalidInput
from billing.payments.provider import (
    EventView,
    IntentView,
    MethodView,
    PaymentDeclined,
    PaymentProviderError,
    RefundView,
    SetupView,
    StripeSettings,
    decline_message,
)
from billing.payments.stripe_objects import (
    instant,
    intent_view,
    method_view,
    refund_view,
    setup_view,
)

METADATA_VALUE_LIMIT = 500  # Stripe refuses longer metadata values
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")
PAGE_SIZE = 100


def ensure_customer(settings: StripeSettings, *, account_number: str, currency: str,
                    email: str | None, name: str, existing_id: str | None = None) -> str:
    """The Stripe customer for one account in one currency: the stored one if Stripe still
    has it, else a new one. The caller stores the id it gets back."""
    client = _client(settings)
    with _translated_errors():
        if existing_id:
            found = _existing_customer(client, existing_id)
            if found:
                return found
        customer = client.v1.customers.create({
            "name": name,
            "email": email or "",
            "description": f"Account {account_number} ({currency.upper()})",
            "metadata": {"account_number": account_number, "currency": currency.upper()},
        })
    return customer.id


def _existing_customer(client: stripe.StripeClient, customer_id: str) -> str | None:
    try:
        customer = client.v1.customers.retrieve(customer_id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return None
        raise
    return None if customer.to_dict().get("deleted") else customer.id


def create_payment_intent(settings: StripeSettings, *, customer_id: str, amount_minor: int,
                          currency: str, account_number: str, invoice_numbers: list[str],
                          payment_method_types: Iterable[str] = ("card",)) -> IntentView:
    """An intent to take `amount_minor` from the customer, naming the invoices it pays.

    The payer's browser confirms it (Stripe Elements, with the client secret); the
    metadata lets a webhook or the sync find the account and the named invoices.
    """
    with _translated_errors():
        intent = _client(settings).v1.payment_intents.create({
            **_intent_params(customer_id, amount_minor, currency),
            "metadata": _payment_metadata(account_number, invoice_numbers),
            "payment_method_types": list(payment_method_types),
        })
    return intent_view(intent.to_dict())


def charge_saved_method(settings: StripeSettings, *, customer_id: str, payment_method_id: str,
                        amount_minor: int, currency: str, account_number: str,
                        invoice_numbers: list[str], method_type: str = "card",
                        idempotency_key: str | None = None) -> IntentView:
    """Charges a saved method (a card, or a SEPA mandate: `method_type`) with the payer
    absent (autopay); a refusal raises `PaymentDeclined`, an intent needing the payer's
    bank check comes back as is. The same `idempotency_key` asked again (a job that died
    after Stripe charged, before its record was committed) gets the first answer back
    from Stripe instead of a second charge."""
    with _translated_errors():
        intent = _client(settings).v1.payment_intents.create({
            **_intent_params(customer_id, amount_minor, currency),
            "metadata": _payment_metadata(account_number, invoice_numbers),
            "payment_method": payment_method_id,
            "payment_method_types": [method_type],
            "confirm": True,
            "off_session": True,
        }, {"idempotency_key": idempotency_key} if idempotency_key else None)
    return intent_view(intent.to_dict())


def confirm_payment_intent(settings: StripeSettings, intent_id: str,
                           payment_method_id: str) -> IntentView:
    """Confirms an intent with a payment method from the server (tests, staff).

    The method is set first and the intent confirmed after, which real Stripe and the
    localstripe fake both accept. A refused card raises `PaymentDeclined`.
    """
    client = _client(settings)
    with _translated_errors(intent_id):
        client.v1.payment_intents.update(intent_id, {"payment_method": payment_method_id})
        client.v1.payment_intents.confirm(intent_id)
    return retrieve_payment_intent(settings, intent_id)


def retrieve_payment_intent(settings: StripeSettings, intent_id: str) -> IntentView:
    """The intent as Stripe has it now: the source of truth when events arrive out of order."""
    with _translated_errors(intent_id):
        intent = _client(settings).v1.payment_intents.retrieve(
            intent_id, {"expand": ["payment_method"]}
        )
    return intent_view(intent.to_dict())


def create_refund(settings: StripeSettings, *, payment_intent_id: str, amount_minor: int,
                  reason: str | None = None) -> RefundView:
    """Gives back `amount_minor` of a paid intent; Stripe refuses more than is left."""
    if amount_minor <= 0:
        raise InvalidInput("A refund must be a positive amount.")
    params: dict = {"payment_intent": payment_intent_id, "amount": amount_minor}
    if reason is not None:
        if reason not in REFUND_REASONS:
            raise InvalidInput(f"Unknown refund reason {reason!r}.")
        params["reason"] = reason
    with _translated_errors(payment_intent_id):
        refund = _client(settings).v1.refunds.create(params)
    return refund_view(refund.to_dict())


def list_recent_payment_intents(settings: StripeSettings, since: datetime) -> list[IntentView]:
    """Every intent created at or after `since`, oldest first (for the periodic sync)."""
    with _translated_errors():
        listing = _client(settings).v1.payment_intents.list({
            "created": {"gte": _seconds(since)},
            "limit": PAGE_SIZE,
            "expand": ["data.payment_method"],
        })
        views = [intent_view(intent.to_dict()) for intent in listing.auto_paging_iter()]
    return sorted(views, key=lambda view: (view.created, view.id))


def list_recent_refunds(settings: StripeSettings, since: datetime) -> list[RefundView]:
    """Every refund created at or after `since`, oldest first (for the periodic sync)."""
    with _translated_errors():
        listing = _client(settings).v1.refunds.list(
            {"created": {"gte": _seconds(since)}, "limit": PAGE_SIZE}
        )
        views = [refund_view(refund.to_dict()) for refund in listing.auto_paging_iter()]
    return sorted(views, key=lambda view: (view.created, view.id))


def list_balance_transactions(settings: StripeSettings, since: datetime,
                              until: datetime) -> list[dict]:
    """Stripe's balance transactions created in [since, until), oldest first, as plain
    dicts with their `source` (charge, refund, dispute, payout) expanded, for a payment
    reconciliation. Stripe lists them newest first: paging stops at the first one
    before `since`."""
    start, end = _seconds(since), _seconds(until)
    found = []
    with _translated_errors():
        listing = _client(settings).v1.balance_transactions.list(
            {"limit": PAGE_SIZE, "expand": ["data.source"]})
        for transaction in listing.auto_paging_iter():
            if transaction.created < start:
                break
            if transaction.created < end:
                found.append(transaction.to_dict())
    return sorted(found, key=lambda data: (data["created"], data["id"]))


def create_setup_intent(settings: StripeSettings, *, customer_id: str,
                        payment_method_types: Iterable[str] = ("card",)) -> SetupView:
    """Starts saving a method for later charges made without the payer (autopay)."""
    with _translated_errors():
        setup = _client(settings).v1.setup_intents.create({
            "customer": customer_id,
            "usage": "off_session",
            "payment_method_types": list(payment_method_types),
        })
    return setup_view(setup.to_dict())


def confirm_setup_intent(settings: StripeSettings, setup_intent_id: str,
                         payment_method_id: str) -> SetupView:
    """Confirms a setup intent from the server (tests); the browser normally does this."""
    with _translated_errors():
        setup = _client(settings).v1.setup_intents.confirm(
            setup_intent_id, {"payment_method": payment_method_id}
        )
    return setup_view(setup.to_dict())


def list_payment_methods(settings: StripeSettings, customer_id: str,
                         method_type: str = "card") -> list[MethodView]:
    """The methods of one type the customer has saved."""
    with _translated_errors():
        listing = _client(settings).v1.payment_methods.list(
            {"customer": customer_id, "type": method_type, "limit": PAGE_SIZE}
        )
        return [method_view(method.to_dict()) for method in listing.auto_paging_iter()]


def detach_payment_method(settings: StripeSettings, payment_method_id: str) -> None:
    """Forgets a saved method: it can no longer be charged."""
    with _translated_errors():
        _client(settings).v1.payment_methods.detach(payment_method_id)


def verify_webhook(settings: StripeSettings, payload: bytes, signature_header: str | None,
                   now_tolerance: int = 300) -> EventView:
    """The event in a webhook, once its signature and its age (at most `now_tolerance`
    seconds) are checked; anything else raises `InvalidInput`."""
    if not settings.webhook_secret:
        raise InvalidInput("Webhooks cannot be verified: no signing secret is configured.")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature_header or "", settings.webhook_secret, tolerance=now_tolerance
        )
    except stripe.SignatureVerificationError as error:
        raise InvalidInput("The webhook's signature is missing, wrong or too old.") from error
    except ValueError as error:
        raise InvalidInput("The webhook's body is not a Stripe event.") from error
    data = event.to_dict()
    obj = (data.get("data") or {}).get("object") or {}
    return EventView(
        id=data["id"], type=data["type"], created=instant(data["created"]),
        object_id=obj.get("id"), object=obj,
    )


def _client(settings: StripeSettings) -> stripe.StripeClient:
    addresses = {"api": settings.api_base} if settings.api_base else None
    return stripe.StripeClient(settings.api_key, base_addresses=addresses)


@contextmanager
def _translated_errors(intent_id: str | None = None) -> Iterator[None]:
    try:
        yield
    except stripe.CardError as error:
        info = (error.json_body or {}).get("error") or {}
        code = info.get("decline_code") or error.code
        failed_intent = (info.get("payment_intent") or {}).get("id") or intent_id
        raise PaymentDeclined(decline_message(code), provider_code=code,
                              detail=error.user_message, intent_id=failed_intent) from error
    except stripe.StripeError as error:
        raise PaymentProviderError(_failure_message(error), provider_code=error.code,
                                   detail=error.user_message or str(error)) from error


def _failure_message(error: stripe.StripeError) -> str:
    if isinstance(error, stripe.APIConnectionError):
        return "The payment provider could not be reached. Please try again later."
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        return "The payment provider refused the portal's credentials."
    if isinstance(error, stripe.InvalidRequestError):
        return "The payment provider refused the request."
    return "The payment provider could not complete the request. Please try again later."


def _intent_params(customer_id: str, amount_minor: int, currency: str) -> dict:
    if amount_minor <= 0:
        raise InvalidInput("A payment must be a positive amount.")
    return {"customer": customer_id, "amount": amount_minor, "currency": currency.lower()}


def _payment_metadata(account_number: str, invoice_numbers: list[str]) -> dict[str, str]:
    named = " ".join(invoice_numbers)
    if len(named) > METADATA_VALUE_LIMIT:
        raise InvalidInput("Too many invoices named for one card payment.")
    return {"account_number": account_number, "invoice_numbers": named}


def _seconds(moment: datetime) -> int:
    return int(require_aware(moment).timestamp())
