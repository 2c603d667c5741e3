"""The SLA credit request queue for billing staff: review the stored calculation, then
approve (issuing the credit note) or reject with a reason.

A nested blueprint of the staff pages that guards itself: only billing roles decide
credits. Service names and amounts are CPNI, shown once a purpose is stated for the
customer (the same gate as the staff invoice page) and logged with it; the templates get
the SLA presenters' dicts, which leave them out until then.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import joinedload

from billing.catalog.models import Service
from billing.core.clock import utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.core.numbers import whole_number
from billing.sla import credits as sla_credits
from billing.sla.models import REQUEST_STATES, SlaCreditRequest
from portal import access
from portal.extensions import db
from portal.guards import require
from portal.invoicing import pages
from portal.paging import chosen, page_number, paginate
from portal.sla.forms import DecisionForm
from portal.sla.labels import REQUEST_STATE_LABELS, calculation_view, month_label
from portal.sla.presenters import credit_request_dict, credit_request_dicts
from portal.staff.forms import PurposeForm

bp = Blueprint("credits", __name__)
bp.before_request(require(lambda user: user.is_billing_staff))


@bp.route("")
def queue():
    status = chosen(request.args, "status", REQUEST_STATES)
    query = select(SlaCreditRequest).order_by(
        case((SlaCreditRequest.status == "pending", 0), else_=1),
        SlaCreditRequest.requested_at, SlaCreditRequest.id)
    if status:
        query = query.where(SlaCreditRequest.status == status)
    page = paginate(db.session, query, page_number(request.args), _load)
    grants = _grants(page.items)
    access.record_disclosures(db.session, current_user, grants, surface="page",
                              subject="SLA credit request queue", now=utcnow(),
                              verification=pages.call_verifications(grants))
    db.session.commit()
    rows = replace(page, items=credit_request_dicts(page.items, grants))
    return render_template("sla/staff_credit_requests.html", page=rows,
                           status=status, state_labels=REQUEST_STATE_LABELS,
                           month_label=month_label, args=request.args)


@bp.route("/<request_id>")
def detail(request_id):
    return _detail(_get(request_id))


@bp.route("/<request_id>/decide", methods=["POST"])
def decide(request_id):
    credit_request = _get(request_id)
    form = DecisionForm()
    if not _grants([credit_request])[credit_request.customer_id].visible:
        raise InvalidInput(_("State your purpose for this customer's CPNI before deciding."))
    if not form.validate_on_submit():
        return _detail(credit_request, form=form, status=400)
    try:
        sla_credits.decide_request(db.session, credit_request.id,
                                   approve=form.decision.data == "approve",
                                   reason=form.reason.data or "", user=current_user,
                                   now=utcnow())
    except InvalidInput as refused:
        db.session.rollback()
        return _detail(_get(request_id), form=form, problem=refused.message, status=400)
    db.session.commit()
    flash(_("The request is now %(state)s.",
            state=REQUEST_STATE_LABELS[credit_request.status]), "info")
    return redirect(url_for(".detail", request_id=credit_request.id))


def _detail(credit_request: SlaCreditRequest, *, form=None, problem=None, status=200):
    now = utcnow()
    grant = _grants([credit_request])[credit_request.customer_id]
    access.record_disclosures(
        db.session, current_user, {credit_request.customer_id: grant}, surface="page",
        subject=f"SLA credit request {credit_request.id}", now=now,
        verification=pages.call_verifications([credit_request.customer_id]))
    db.session.commit()
    data = credit_request_dict(credit_request, grant, with_calculation=True)
    calc = (calculation_view(data["calculation"], credit_request.currency)
            if "calculation" in data else None)
    return render_template(
        "sla/staff_credit_request.html", credit_request=data, access=grant, calc=calc,
        customer_id=credit_request.customer_id, purpose_form=PurposeForm(),
        form=form or DecisionForm(formdata=None), problem=problem,
        state_labels=REQUEST_STATE_LABELS, month_label=month_label), status


def _grants(requests) -> dict:
    customers = {r.customer_id: r.customer for r in requests}.values()
    purposes = {c.id: pages.staff_purpose(c.id) for c in customers}
    return access.cpni_access_many(db.session, current_user, customers, utcnow(), purposes)


def _get(request_id) -> SlaCreditRequest:
    found = db.session.get(SlaCreditRequest, whole_number(request_id) or 0)
    if found is None:
        raise NotFound("No such credit request.")
    return found


def _load(session, ids) -> list:
    rows = session.scalars(select(SlaCreditRequest).where(SlaCreditRequest.id.in_(ids)).options(
        joinedload(SlaCreditRequest.customer),
        joinedload(SlaCreditRequest.service).joinedload(Service.product)))
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids]
