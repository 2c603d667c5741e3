"""Money staff put on the books: a cheque, wire or ACH received ("Record a payment"),
and the suspense queue of payments that match no account, each assigned by hand.

Both record who did it (and, for an assignment, why) on the payment, and send the
account a receipt by e-mail once it is known.
"""

from __future__ import annotations

from dataclasses import replace

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.payments.recording import Receipt, assign_payment, record_payment
from portal.extensions import db
from portal.paging import page_number, paginate
from portal.payments import notices, queries
from portal.payments.forms import AssignForm, RecordForm, invoice_numbers, received_at
from portal.payments.staff_pages import bp, dicts


@bp.route("/new", methods=["GET", "POST"])
def record():
    form = RecordForm()
    if request.method == "GET":
        return _record_page(form)
    if not form.validate_on_submit():
        return _record_page(form, status=400)
    try:
        payment, is_new = record_payment(db.session, _receipt(form), utcnow())
    except (InvalidInput, NotFound) as refused:
        db.session.rollback()
        return _record_page(form, problem=refused.message, status=400)
    if is_new:
        notices.send_receipt(payment)
    db.session.commit()
    if is_new:
        flash(_("The payment is recorded."), "info")
    else:
        flash(_("This payment was already recorded; nothing changed."), "info")
    return redirect(url_for(".detail", payment_id=payment.id))


def _receipt(form: RecordForm) -> Receipt:
    customer = queries.account_by_number(db.session, form.account_number.data)
    return Receipt(
        currency=form.currency.data, amount_minor=form.amount_minor(form.currency.data),
        received_at=received_at(form.received_on.data), method=form.method.data,
        reference=form.reference.data.strip(), source="staff", customer_id=customer.id,
        named_numbers=tuple(invoice_numbers(form.invoices.data)),
        external_id=form.external_id, note=(form.note.data or "").strip(),
        recorded_by_id=current_user.id, strict_names=True)


def _record_page(form, *, problem=None, status=200):
    return render_template("payments/staff_record.html", form=form, problem=problem), status


@bp.route("/suspense")
def suspense():
    page = paginate(db.session, queries.suspense_query(), page_number(request.args),
                    queries.load)
    return render_template("payments/staff_suspense.html",
                           page=replace(page, items=dicts(page.items)), form=AssignForm())


@bp.route("/<payment_id>/assign", methods=["POST"])
def assign(payment_id):
    payment = queries.get(db.session, payment_id)
    form = AssignForm()
    problem = None
    if form.validate_on_submit():
        try:
            customer = queries.account_by_number(db.session, form.account_number.data)
            assign_payment(db.session, payment.id, customer.id,
                           invoice_numbers(form.invoices.data), current_user.id,
                           form.reason.data, utcnow())
        except (InvalidInput, NotFound) as refused:
            db.session.rollback()
            problem = refused.message
        else:
            notices.send_receipt(payment)
            db.session.commit()
            flash(_("The payment is now on account %(account)s.",
                    account=customer.account_number), "info")
            return redirect(url_for(".detail", payment_id=payment.id))
    payment = queries.get(db.session, payment_id)
    return render_template("payments/staff_assign.html", payment=dicts([payment])[0],
                           form=form, problem=problem), 400

