"""The account's saved payment methods (customer admins of a top-level account): the
cards and SEPA mandates kept with Stripe for later payments, added and removed here."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from billing.payments import online
from billing.payments import stripe as provider
from portal.customer import bp
from portal.customer.account_admin import account_holder
from portal.extensions import db
from portal.payments.online_pages import _settings


@bp.route("/payment-methods")
def payment_methods():
    customer = account_holder()
    settings = _settings()
    currency = customer.currency
    types = online.method_types(currency)
    setup = provider.create_setup_intent(
        settings, customer_id=online.stripe_customer_id(db.session, settings, customer, currency),
        payment_method_types=types)
    db.session.commit()
    return render_template("payments/customer_methods.html", settings=settings, setup=setup,
                           types=types, customer=customer,
                           saved=online.saved_methods(db.session, settings, customer))


@bp.route("/payment-methods/remove", methods=["POST"])
def remove_payment_method():
    customer = account_holder()
    settings = _settings()
    method = online.own_method(db.session, settings, customer,
                               request.form.get("method", "")[:100])
    provider.detach_payment_method(settings, method.id)
    flash(_("The payment method was removed; it will not be charged again."))
    return redirect(url_for("customer.payment_methods"))
