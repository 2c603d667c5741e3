"""The hook through which a refund of an online payment goes back to the card or bank
account it came from.

A refund of a payment taken through Stripe must be made at Stripe too, before the portal
records it. The Stripe pages install their own function here (`install`); until then,
or while the portal has no Stripe key, such a refund is refused with a clear message and
nothing is recorded. Offline payments (cheque, wire, ACH) are repaid outside the portal
and never come here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from billing.core.errors import InvalidInput


@dataclass(frozen=True)
class ProviderRefund:
    """What the provider said: its id for the refund (kept as the reversal's outside id)."""

    external_id: str


def _not_configured(payment, amount_minor: int) -> ProviderRefund:
    raise InvalidInput(_("This payment was made online through Stripe, and online payments "
                         "are not configured here: it cannot be refunded from the portal."),
                       code="provider_not_configured")


_refund: Callable = _not_configured


def install(refund: Callable) -> None:
    """Set the function that refunds `amount_minor` of `payment` at the provider."""
    global _refund
    _refund = refund


def refund_through_provider(payment, amount_minor: int) -> ProviderRefund:
    """Refund at the provider first; refused when no Stripe key is configured."""
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        return _not_configured(payment, amount_minor)
    return _refund(payment, amount_minor)
