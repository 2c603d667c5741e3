"""Reads Stripe's JSON objects (as plain dicts) into the portal's provider views.

Kept apart from billing/payments/stripe.py, which talks to Stripe: this only knows the
shape of what Stripe answers, so it needs no `stripe` import and no network.
"""

from __future__ import annotations

from datetime import UTC, datetime

from billing.payments.provider import (
    IntentView,
    MethodView,
    RefundView,
    SetupView,
    decline_message,
)


def instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _id_of(value) -> str | None:
    """Stripe gives a related object as its id, or as the object when expanded."""
    if value is None or isinstance(value, str):
        return value
    return value.get("id")


def intent_view(data: dict) -> IntentView:
    error = data.get("last_payment_error") or {}
    method = data.get("payment_method")
    return IntentView(
        id=data["id"], status=data["status"], amount_minor=data["amount"],
        currency=data["currency"].upper(), customer_id=_id_of(data.get("customer")),
        metadata=dict(data.get("metadata") or {}), charge_id=_id_of(data.get("latest_charge")),
        created=instant(data["created"]), client_secret=data.get("client_secret"),
        payment_method_type=method.get("type") if isinstance(method, dict) else None,
        last_error_message=decline_message(error.get("decline_code") or error.get("code"))
        if error else None,
        last_error_code=error.get("code"), decline_code=error.get("decline_code"),
    )


def refund_view(data: dict) -> RefundView:
    return RefundView(
        id=data["id"], status=data["status"], amount_minor=data["amount"],
        currency=data["currency"].upper(), payment_intent_id=_id_of(data.get("payment_intent")),
        charge_id=_id_of(data.get("charge")), created=instant(data["created"]),
        reason=data.get("reason"),
    )


def setup_view(data: dict) -> SetupView:
    return SetupView(
        id=data["id"], status=data["status"], customer_id=_id_of(data.get("customer")),
        client_secret=data["client_secret"], payment_method_id=_id_of(data.get("payment_method")),
    )


def method_view(data: dict) -> MethodView:
    card = data.get("card") or {}
    detail = data.get(data["type"]) or {}
    return MethodView(
        id=data["id"], type=data["type"], brand=card.get("brand"),
        last4=detail.get("last4"), exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
    )
