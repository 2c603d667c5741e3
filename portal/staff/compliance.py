"""Compliance pages: the CPNI breach register, with complaints about CPNI
(compliance_complaints.py) and the annual certification report (compliance_report.py)
on the same nested blueprint.

A nested blueprint of the staff pages that guards itself: only the admin (compliance)
role uses it, and every other user is answered as if the pages did not exist. The
rules live in billing/ (breaches, retention, complaints, certification); these views
only translate.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.cpni import breaches
from billing.cpni.breaches import breach_status
from billing.cpni.compliance_models import CpniBreach
from billing.cpni.retention import breach_kept_until
from billing.parties.users import User
from portal.cpni.compliance_forms import (
    BreachForm,
    CustomerNoticeForm,
    DeleteForm,
    LawEnforcementForm,
    OverrideForm,
    status_text,
)
from portal.extensions import db
from portal.guards import require
from portal.paging import page_number, paginate
from portal.records import get_or_404
from portal.staff import bp as staff_bp

bp = Blueprint("compliance", __name__)
bp.before_request(require(lambda user: user.role == "admin"))


@bp.route("/breaches", methods=["GET", "POST"])
def breach_list():
    """The register, newest determination first, and the form a new breach is recorded on."""
    form, problem = BreachForm(), None
    if form.validate_on_submit():
        try:
            found = breaches.record_breach(
                db.session, discovered_at=form.discovered_at.instant,
                determined_at=form.determined_at.instant, description=form.description.data,
                account_numbers=form.account_number_list(), recorded_by=current_user,
                now=utcnow())
        except InvalidInput as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(_("Breach %(id)s recorded.", id=found.id))
            return redirect(url_for(".breach", breach_id=found.id))
    query = select(CpniBreach).order_by(CpniBreach.determined_at.desc(), CpniBreach.id.desc())
    page = paginate(db.session, query, page_number(request.args), _load_breaches)
    now = utcnow()
    return render_template(
        "cpni/staff_breaches.html", form=form, problem=problem, page=page,
        statuses={b.id: breach_status(b, now) for b in page.items}, describe=status_text,
    ), 400 if problem or form.errors else 200


@bp.route("/breaches/<breach_id>")
def breach(breach_id):
    return _breach_page(get_or_404(CpniBreach, breach_id, "No such breach."))


@bp.route("/breaches/<breach_id>/law-enforcement", methods=["POST"])
def notify_law_enforcement(breach_id):
    def record(form, found):
        breaches.record_law_enforcement_notice(
            db.session, found.id, notified_at=form.notified_at.instant,
            reference=form.reference.data, now=utcnow())
        return _("The law-enforcement notice is recorded.")

    return _act(breach_id, "notice", LawEnforcementForm, record)


@bp.route("/breaches/<breach_id>/override", methods=["POST"])
def override(breach_id):
    def record(form, found):
        breaches.record_override(db.session, found.id, reason=form.reason.data,
                                 by=current_user, now=utcnow())
        return _("The override is recorded: customers may be notified now.")

    return _act(breach_id, "override", OverrideForm, record)


@bp.route("/breaches/<breach_id>/customers", methods=["POST"])
def notify_customers(breach_id):
    def record(form, found):
        breaches.record_customer_notice(db.session, found.id,
                                        notified_at=form.notified_at.instant, now=utcnow())
        return _("The customer notification is recorded.")

    return _act(breach_id, "customers", CustomerNoticeForm, record)


@bp.route("/breaches/<breach_id>/delete", methods=["POST"])
def delete_breach(breach_id):
    """Delete a breach record; the retention guard refuses while it must be kept."""
    def delete(form, found):
        db.session.delete(found)
        db.session.flush()
        return _("Breach record %(id)s deleted.", id=found.id)

    return _act(breach_id, "delete", DeleteForm, delete, to_list=True)



def _act(breach_id, key: str, form_class, apply, to_list: bool = False):
    """Run one action of the breach page; on a refusal show the page again with why."""
    found = get_or_404(CpniBreach, breach_id, "No such breach.")
    form, problem = form_class(), None
    if form.validate_on_submit():
        try:
            message = apply(form, found)
        except InvalidInput as error:
            db.session.rollback()
            problem = error.message
        else:
            db.session.commit()
            flash(message)
            return redirect(url_for(".breach_list") if to_list
                            else url_for(".breach", breach_id=found.id))
    return _breach_page(found, {key: form}, problem), 400


def _breach_page(found: CpniBreach, submitted: dict | None = None, problem: str | None = None):
    forms = {"notice": LawEnforcementForm(formdata=None), "override": OverrideForm(formdata=None),
             "customers": CustomerNoticeForm(formdata=None), **(submitted or {})}
    people = {user.id: user.name for user in db.session.scalars(select(User).where(
        User.id.in_({found.recorded_by_id, found.override_by_id} - {None})))}
    return render_template(
        "cpni/staff_breach.html", breach=found, status=breach_status(found, utcnow()),
        describe=status_text, forms=forms, problem=problem, people=people,
        kept_until=breach_kept_until(found))


def _load_breaches(session, ids):
    rows = {b.id: b for b in session.scalars(select(CpniBreach).where(CpniBreach.id.in_(ids))
                                             .options(selectinload(CpniBreach.customers)))}
    return [rows[i] for i in ids if i in rows]



# The other pages of this blueprint add their routes to it before it is registered.
from portal.staff import compliance_complaints, compliance_report  # noqa: E402,F401

staff_bp.register_blueprint(bp, url_prefix="/compliance")
