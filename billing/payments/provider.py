"""What the payment provider tells the portal, in plain values.

billing/payments/stripe.py turns Stripe's objects and errors into these; nothing else in
the portal sees a Stripe object, so the payments domain speaks only of intents, refunds,
saved methods, events and the provider's refusals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from billing.core.errors import DomainError

DEFAULT_JS_URL = "https://js.stripe.com/v3/"

# The bank's reasons for refusing a card, in words a payer understands.
DECLINE_MESSAGES = {
    "card_declined": "Your bank declined the card. Please use another card or contact your bank.",
    "insufficient_funds": "The card has insufficient funds for this payment.",
    "expired_card": "The card has expired. Please use another card.",
    "incorrect_cvc": "The card's security code is incorrect.",
    "processing_error": "The card could not be charged because of a processing error. "
    "Please try again in a few minutes.",
    "authentication_required": "Your bank asks you to confirm this payment. "
    "Please pay again and complete your bank's check.",
    "generic": "The payment could not be completed. Please use another card or contact "
    "your bank.",
}


def decline_message(code: str | None) -> str:
    """A plain-words message for a decline code; unknown codes get the generic one."""
    if code == "generic_decline":
        code = "card_declined"
    return DECLINE_MESSAGES.get(code or "generic", DECLINE_MESSAGES["generic"])


class PaymentProviderError(DomainError):
    """The provider refused or failed a request; the message is safe to show.

    `provider_code` is the provider's own code (for logs and for choosing a message),
    `detail` its own wording (for staff and logs, not for payers).
    """

    code = "payment_provider_error"

    def __init__(self, message: str, *, provider_code: str | None = None,
                 detail: str | None = None):
        super().__init__(message)
        self.provider_code = provider_code
        self.detail = detail


class PaymentDeclined(PaymentProviderError):
    """The payer's bank refused the payment (or the method): another method may work."""

    code = "payment_declined"

    def __init__(self, message: str, *, provider_code: str | None = None,
                 detail: str | None = None, intent_id: str | None = None):
        super().__init__(message, provider_code=provider_code, detail=detail)
        self.intent_id = intent_id


@dataclass(frozen=True)
class StripeSettings:
    """How to reach Stripe: configuration, never code. `api_base` points at a fake."""

    api_key: str
    api_base: str | None = None
    webhook_secret: str | None = None
    publishable_key: str | None = None
    js_url: str = DEFAULT_JS_URL


@dataclass(frozen=True)
class IntentView:
    """A payment intent: one attempt to take `amount_minor` from a payer."""

    id: str
    status: str
    amount_minor: int
    currency: str
    customer_id: str | None
    metadata: dict[str, str]
    charge_id: str | None
    created: datetime
    client_secret: str | None = None
    payment_method_type: str | None = None
    last_error_message: str | None = None
    last_error_code: str | None = None
    decline_code: str | None = None

    @property
    def account_number(self) -> str | None:
        return self.metadata.get("account_number")

    @property
    def invoice_numbers(self) -> list[str]:
        return self.metadata.get("invoice_numbers", "").split()


@dataclass(frozen=True)
class RefundView:
    id: str
    status: str
    amount_minor: int
    currency: str
    payment_intent_id: str | None
    charge_id: str | None
    created: datetime
    reason: str | None = None


@dataclass(frozen=True)
class SetupView:
    """A setup intent: saving a payer's method for later charges (autopay)."""

    id: str
    status: str
    customer_id: str | None
    client_secret: str
    payment_method_id: str | None


@dataclass(frozen=True)
class MethodView:
    """A saved payment method; only what a payer needs to recognise it."""

    id: str
    type: str
    brand: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None


@dataclass(frozen=True)
class EventView:
    """A verified webhook event; `object` is the event's object as plain JSON values."""

    id: str
    type: str
    created: datetime
    object_id: str | None
    object: dict = field(default_factory=dict)
