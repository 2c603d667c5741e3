"""Compliance pages: complaints about CPNI, open ones first, recorded and closed by the
compliance officer (rules in billing/cpni/complaints.py)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.cpni import complaints
from billing.cpni.compliance_models import CpniComplaint
from portal.cpni.compliance_forms import CATEGORY_LABELS, CloseComplaintForm, ComplaintForm
from portal.extensions import db
from portal.paging import page_number, paginate
from portal.records import get_or_404
from portal.staff.compliance import bp


@bp.route("/complaints", methods=["GET", "POST"])
def complaint_list():
    """Complaints about CPNI, open ones first, and the form a new one is recorded on."""
    form, problem = ComplaintForm(), None
    if form.validate_on_submit():
        try:
            complaints.record_complaint(
                db.session, account_number=form.account_number.data,
                received_at=form.received_at.instant, category=form.category.data,
                summary=form.summary.data, recorded_by=current_user, now=utcnow())
        except InvalidInput as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_("Complaint recorded."))
            return redirect(url_for(".complaint_list"))
    return _complaints_page(form, problem)


@bp.route("/complaints/<complaint_id>/close", methods=["POST"])
def close_complaint(complaint_id):
    found = get_or_404(CpniComplaint, complaint_id, "No such complaint.")
    form, problem = CloseComplaintForm(), None
    if form.validate_on_submit():
        try:
            complaints.close_complaint(db.session, found.id, resolution=form.resolution.data,
                                       now=utcnow())
        except InvalidInput as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_("Complaint closed."))
            return redirect(url_for(".complaint_list"))
    problem = problem or _("Say how the complaint was resolved (at most 5000 characters).")
    return _complaints_page(ComplaintForm(formdata=None), problem)


def _complaints_page(form: ComplaintForm, problem: str | None):
    query = select(CpniComplaint).order_by(CpniComplaint.status.desc(),
                                           CpniComplaint.received_at.desc(),
                                           CpniComplaint.id.desc())
    page = paginate(db.session, query, page_number(request.args), _load_complaints)
    return render_template("cpni/staff_complaints.html", form=form, problem=problem, page=page,
                           close_form=CloseComplaintForm(formdata=None),
                           categories=CATEGORY_LABELS), 400 if problem or form.errors else 200


def _load_complaints(session, ids):
    rows = {c.id: c for c in session.scalars(
        select(CpniComplaint).where(CpniComplaint.id.in_(ids))
        .options(joinedload(CpniComplaint.customer)))}
    return [rows[i] for i in ids if i in rows]
