"""`POST /stripe/webhook`: Stripe's events, verified by signature and processed once.

A bad signature, a stale timestamp or a body that is not an event gets 400 and records
nothing. Any other answer tells Stripe the event is taken; a failure while processing it
(Stripe unreachable when the intent is read again) gets 503, so Stripe delivers it again,
and the periodic sync records what it brought if no delivery succeeds.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.payments import stripe as provider
from billing.payments.models import Payment
from billing.payments.provider import PaymentProviderError
from billing.payments.stripe_sync import handle_event
from portal.extensions import db
from portal.payments import notices
from portal.payments.settings import stripe_settings

bp = Blueprint("stripe_webhook", __name__)
MAX_EVENT_BYTES = 256 * 1024


@bp.route("/webhook", methods=["POST"])
def webhook():
    settings = stripe_settings()
    if settings is None or not settings.webhook_secret:
        abort(404)
    if (request.content_length or 0) > MAX_EVENT_BYTES:
        raise InvalidInput("The webhook's body is too large.")
    payload = request.get_data(cache=False)
    event = provider.verify_webhook(settings, payload, request.headers.get("Stripe-Signature"))
    try:
        outcome = handle_event(db.session, settings, event, utcnow())
    except PaymentProviderError:
        db.session.rollback()
        return jsonify(error="provider_unavailable"), 503
    if outcome.startswith("payment "):
        notices.send_receipt(db.session.get(Payment, int(outcome.split()[1])))
    db.session.commit()
    return jsonify(received=event.id, outcome=outcome)
