"""Autopay for customer admins of a top-level account: opt in with one of the account's
saved cards or SEPA mandates, see what is charged when, and opt out (the next charge is
then not made)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from billing.collections import autopay, policy
from billing.core.clock import utcnow
from billing.payments import online
from portal.collections.forms import AutopayForm, OptOutForm
from portal.customer import bp
from portal.customer.account_admin import account_holder
from portal.extensions import db
from portal.payments.online_pages import _settings


@bp.route("/autopay", methods=["GET", "POST"])
def autopay_page():
    customer = account_holder()
    settings = _settings()
    saved = online.saved_methods(db.session, settings, customer, customer.currency)
    form = AutopayForm()
    form.method.choices = [SelectChoice(m.id, m.id) for m in saved]
    if form.validate_on_submit():
        autopay.enrol(db.session, settings, customer, form.method.data[:100],
                      current_user.id, utcnow())
        db.session.commit()
        flash(_("Autopay is on: each invoice is charged before its due date."))
        return redirect(url_for("customer.autopay_page"))
    terms = policy.terms_of(policy.current(db.session))
    db.session.commit()
    return render_template("collections/customer_autopay.html", form=form,
                           opt_out=OptOutForm(), saved=saved, terms=terms,
                           enrolment=autopay.enrolment_of(db.session, customer.id,
                                                          customer.currency)), \
        400 if form.is_submitted() else 200


@bp.route("/autopay/off", methods=["POST"])
def autopay_off():
    customer = account_holder()
    form = OptOutForm()
    if form.validate_on_submit():
        autopay.opt_out(db.session, customer, utcnow())
        db.session.commit()
        flash(_("Autopay is off: no further charge will be made."))
    return redirect(url_for("customer.autopay_page"))
