"""Payments for billing staff: the list, one payment with who did what and why, and a
refund of it.

A nested blueprint of the staff pages that guards itself: only billing roles move money.
Working payments is billing the customer, so each account whose payments are shown is
a CPNI disclosure logged with the purpose "billing".
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.payments.models import PAYMENT_CLASSES, PAYMENT_METHODS
from billing.payments.online import refund_through_stripe
from billing.payments.refunds import refund_payment
from portal import access
from portal.extensions import db
from portal.guards import require
from portal.paging import page_number, paginate
from portal.payments import queries
from portal.payments.forms import RefundForm
from portal.payments.presenters import payment_dict
from portal.payments.settings import stripe_settings
from reports import labels

bp = Blueprint("payments", __name__)
bp.before_request(require(lambda user: user.is_billing_staff))


@bp.context_processor
def _labels():
    return {"class_labels": labels.CLASS_LABELS, "method_labels": labels.METHOD_LABELS,
            "reversal_labels": labels.REVERSAL_LABELS, "source_labels": labels.SOURCE_LABELS}


@bp.route("")
def index():
    page = paginate(db.session, queries.staff_query(request.args), page_number(request.args),
                    queries.load)
    rows = dicts(page.items)
    log_disclosures(page.items, "payment list")
    return render_template("payments/staff_payments.html", page=replace(page, items=rows),
                           args=request.args, classes=PAYMENT_CLASSES, methods=PAYMENT_METHODS)


@bp.route("/<payment_id>")
def detail(payment_id):
    return _detail(queries.get(db.session, payment_id))


@bp.route("/<payment_id>/refund", methods=["POST"])
def refund(payment_id):
    payment = queries.get(db.session, payment_id)
    form = RefundForm(currency=payment.currency)
    if not form.validate_on_submit():
        return _detail(payment, refund_form=form, status=400)
    amount = form.amount_minor(payment.currency)
    now = utcnow()
    reason = form.reason.data.strip()
    try:
        if payment.source == "stripe":
            refund_through_stripe(db.session, _stripe(), payment, amount, reason,
                                  current_user.id, now)
        else:
            refund_payment(db.session, payment.id, amount, now, reason=reason,
                           by_user_id=current_user.id)
    except InvalidInput as refused:
        db.session.rollback()
        return _detail(queries.get(db.session, payment_id), refund_form=form,
                       problem=refused.message, status=400)
    db.session.commit()
    flash(_("The refund is recorded."), "info")
    return redirect(url_for(".detail", payment_id=payment.id))


def _stripe():
    """A Stripe payment is refunded at Stripe, before the portal records the refund."""
    settings = stripe_settings()
    if settings is None:
        raise InvalidInput(_("This payment was made online through Stripe, and online "
                             "payments are not configured here: it cannot be refunded "
                             "from the portal."), code="provider_not_configured")
    return settings


def _detail(payment, *, refund_form=None, problem=None, status=200):
    data = dicts([payment])[0]
    if payment.customer_id:
        log_disclosures([payment], f"payment {payment.id}")
    return render_template(
        "payments/staff_payment.html", payment=data, problem=problem,
        refund_form=refund_form or RefundForm(formdata=None, currency=payment.currency),
    ), status


def dicts(payments) -> list[dict]:
    figures = queries.figures(db.session, payments)
    users = queries.people(db.session, payments)
    return [payment_dict(p, figures[p.id], staff=True, users=users) for p in payments]


def log_disclosures(payments, subject: str) -> None:
    """Staff saw these accounts' payments while billing them: log it, and commit."""
    customers = {p.customer.id: p.customer for p in payments if p.customer}.values()
    grants = access.cpni_access_many(db.session, current_user, customers, utcnow(),
                                     {c.id: "billing" for c in customers})
    access.record_disclosures(db.session, current_user, grants, surface="page",
                              subject=subject, now=utcnow())
    db.session.commit()


from portal.payments import staff_entry  # noqa: E402,F401  (its routes join this blueprint)
