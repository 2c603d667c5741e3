"""Paying invoices online (customer admins): choose invoices, pay by card through Stripe
Elements, see the outcome at once; and the saved cards of the account.

The card is taken by the browser (Stripe.js) into a SetupIntent, so the portal never sees
its number; the portal then confirms the PaymentIntent with that method from the server
and answers succeeded, declined (the bank's reason in plain words) or "your bank asks you
to confirm" (3-D Secure, which the browser completes). The outcome page reads the intent
from Stripe and records a succeeded one at once; the webhook and the sync record it too,
once. Without Stripe settings the page says online payment is not offered.
"""

from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from billing.payments import online
from billing.payments import stripe as provider
from billing.payments.provider import PaymentDeclined, PaymentProviderError, decline_message
from billing.payments.stripe_sync import record_intent
from portal import access
from portal.customer import bp
from portal.extensions import db
from portal.payments import notices
from portal.payments.settings import stripe_settings


def _payer_admin() -> None:
    if current_user.role != "customer_admin":
        abort(404)


def _open_invoices() -> list[tuple[Invoice, object]]:
    invoices = db.session.scalars(
        access.invoices_query(db.session, current_user)
        .where(Invoice.status.in_(online.PAYABLE))
        .order_by(Invoice.due_date, Invoice.number)).all()
    figures = balance.invoice_balances(db.session, invoices, utcnow())
    return [(i, figures[i.id]) for i in invoices if figures[i.id].collectible_minor > 0]


@bp.route("/pay", methods=["GET"])
def pay():
    _payer_admin()
    chosen = set(request.args.getlist("invoice"))
    return render_template("payments/customer_pay.html", rows=_open_invoices(),
                           chosen=chosen, configured=stripe_settings() is not None)


@bp.route("/pay", methods=["POST"])
def pay_start():
    """Create the intents for the chosen invoices and show the card form."""
    _payer_admin()
    settings = _settings()
    invoices = _chosen_invoices(request.form.getlist("invoice"))
    customer = invoices[0].customer
    intent = online.start_payment(db.session, settings, customer, [i.id for i in invoices],
                                  utcnow())
    currency = intent.currency.upper()
    types = online.method_types(currency)
    setup = provider.create_setup_intent(
        settings, customer_id=online.stripe_customer_id(db.session, settings, customer, currency),
        payment_method_types=types)
    db.session.commit()
    return render_template("payments/customer_pay_card.html", intent=intent, setup=setup,
                           invoices=invoices, settings=settings, types=types,
                           saved=online.saved_methods(db.session, settings, customer, currency),
                           customer=customer)


@bp.route("/pay/<intent_id>/confirm", methods=["POST"])
def pay_confirm(intent_id: str):
    """The browser saved the card; pay the intent with it (JSON in, JSON out)."""
    _payer_admin()
    settings = _settings()
    intent, customer = _own_intent(settings, intent_id)
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    method_id = str(body.get("payment_method") or "")
    if not method_id.startswith("pm_") or len(method_id) > 100:
        raise InvalidInput("No card or bank account was given.")
    method = online.own_method(db.session, settings, customer, method_id,
                               intent.currency.upper())
    try:
        intent = provider.confirm_payment_intent(settings, intent_id, method_id)
    except PaymentDeclined as declined:
        return jsonify(status="declined", message=declined.message), 402
    if body.get("keep") is False and method.type == "card" and intent.status == "succeeded":
        provider.detach_payment_method(settings, method_id)
    if intent.status == "requires_action":
        return jsonify(status="requires_action", client_secret=intent.client_secret)
    return jsonify(status=intent.status,
                   next=url_for("customer.pay_outcome", intent_id=intent_id))


@bp.route("/pay/<intent_id>")
def pay_outcome(intent_id: str):
    """What became of a payment: read from Stripe, recorded at once if it succeeded."""
    _payer_admin()
    settings = _settings()
    intent, _ = _own_intent(settings, intent_id)
    payment = record_intent(db.session, intent, utcnow())
    if payment is not None:
        notices.send_receipt(payment)
    db.session.commit()
    return render_template("payments/customer_pay_outcome.html", intent=intent,
                           payment=payment, message=_outcome_message(intent))


def _settings():
    settings = stripe_settings()
    if settings is None:
        raise NotFound("Online payment is not offered.")
    return settings


def _chosen_invoices(ids: list[str]) -> list[Invoice]:
    invoices = [access.get_invoice(db.session, current_user, i) for i in ids[:100]]
    if not invoices:
        raise InvalidInput("Choose one or more invoices to pay.")
    if len({i.customer_id for i in invoices}) > 1:
        raise InvalidInput("Pay the invoices of one account at a time.")
    return invoices


def _own_intent(settings, intent_id: str):
    """The intent and its account, if the account is within the user's reach; else 404."""
    if not intent_id.startswith("pi_") or len(intent_id) > 100:
        abort(404)
    try:
        intent = provider.retrieve_payment_intent(settings, intent_id)
    except PaymentProviderError as error:
        if error.provider_code == "resource_missing":
            abort(404)
        raise
    number = (intent.metadata or {}).get("account_number")
    customer = number and db.session.scalars(
        access.customers_query(db.session, current_user)
        .where(Customer.account_number == number)).first()
    if not customer:
        abort(404)
    return intent, customer


def _outcome_message(intent) -> str | None:
    if intent.status in ("requires_payment_method", "canceled") and intent.last_error_code:
        return decline_message(intent.decline_code or intent.last_error_code)
    return None

