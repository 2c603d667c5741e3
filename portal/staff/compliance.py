"""Compliance pages: the CPNI breach register, customer complaints about CPNI, and the
annual certification report with its CSV.

A nested blueprint of the staff pages that guards itself: only the admin (compliance)
role uses it, and every other user is answered as if the pages did not exist. The
rules live in billing/ (breaches, retention, complaints, certification); these views
only translate.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from billing.core.clock import PROVIDER_TZ, provider_date, utcnow
from billing.core.errors import InvalidInput, NotFound
from billing.core.numbers import whole_number
from billing.cpni import breaches, complaints
from billing.cpni.breaches import BreachStatus, breach_status
from billing.cpni.certification import certification_report
from billing.cpni.compliance_models import CpniBreach, CpniComplaint
from billing.cpni.retention import breach_kept_until
from billing.parties.users import User
from portal.cpni.compliance_forms import (
    CATEGORY_LABELS,
    METHOD_LABELS,
    PURPOSE_LABELS,
    SCOPE_LABELS,
    SURFACE_LABELS,
    BreachForm,
    CloseComplaintForm,
    ComplaintForm,
    CustomerNoticeForm,
    DeleteForm,
    LawEnforcementForm,
    OverrideForm,
)
from portal.extensions import db
from portal.guards import require
from portal.paging import page_number, paginate
from portal.staff import bp as staff_bp
from reports.csv_files import csv_sections

bp = Blueprint("compliance", __name__)
bp.before_request(require(lambda user: user.role == "admin"))

YEARS_OFFERED = 10


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
    return _breach_page(_get(CpniBreach, breach_id, "No such breach."))


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
    found = _get(CpniComplaint, complaint_id, "No such complaint.")
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


@bp.route("/certification")
def certification():
    now = utcnow()
    year = _year(request.args.get("year"), now)
    report = certification_report(db.session, year, now)
    this_year = provider_date(now).year
    return render_template(
        "cpni/staff_certification.html", report=report, describe=status_text,
        years=range(this_year, this_year - YEARS_OFFERED, -1), categories=CATEGORY_LABELS,
        surfaces=SURFACE_LABELS, purposes=PURPOSE_LABELS, scopes=SCOPE_LABELS,
        methods=METHOD_LABELS)


@bp.route("/certification.csv")
def certification_download():
    now = utcnow()
    year = _year(request.args.get("year"), now)
    body = csv_sections(_sections(certification_report(db.session, year, now)))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cpni-certification-{year}.csv"',
        "Cache-Control": "private, no-store"})


def status_text(status: BreachStatus) -> str:
    """Where a breach stands, in one sentence for the register and the report."""
    due = format_date(status.notice_due_on, "medium")
    if status.state == "notice_due":
        return _("Law-enforcement notice due by the end of %(day)s.", day=due)
    if status.state == "notice_overdue":
        return _("Law-enforcement notice was due by the end of %(day)s: overdue.", day=due)
    if status.state == "waiting":
        return _("Law enforcement notified; customers may be notified from %(time)s.",
                 time=format_datetime(status.customers_from, "medium"))
    if status.state == "customers_may_be_told":
        return (_("Customers may be notified now (override recorded).") if status.overridden
                else _("Customers may be notified now."))
    return _("Customers notified.")


def _act(breach_id, key: str, form_class, apply, to_list: bool = False):
    """Run one action of the breach page; on a refusal show the page again with why."""
    found = _get(CpniBreach, breach_id, "No such breach.")
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


def _complaints_page(form: ComplaintForm, problem: str | None):
    query = select(CpniComplaint).order_by(CpniComplaint.status.desc(),
                                           CpniComplaint.received_at.desc(),
                                           CpniComplaint.id.desc())
    page = paginate(db.session, query, page_number(request.args), _load_complaints)
    return render_template("cpni/staff_complaints.html", form=form, problem=problem, page=page,
                           close_form=CloseComplaintForm(formdata=None),
                           categories=CATEGORY_LABELS), 400 if problem or form.errors else 200


def _load_breaches(session, ids):
    rows = {b.id: b for b in session.scalars(select(CpniBreach).where(CpniBreach.id.in_(ids))
                                             .options(selectinload(CpniBreach.customers)))}
    return [rows[i] for i in ids if i in rows]


def _load_complaints(session, ids):
    rows = {c.id: c for c in session.scalars(
        select(CpniComplaint).where(CpniComplaint.id.in_(ids))
        .options(joinedload(CpniComplaint.customer)))}
    return [rows[i] for i in ids if i in rows]


def _get(model, value, message: str):
    found = db.session.get(model, whole_number(value) or 0)
    if found is None:
        raise NotFound(message)
    return found


def _year(text: str | None, now) -> int:
    """The year asked for; by default the last one ended, which is what gets certified."""
    this_year = provider_date(now).year
    if not text:
        return this_year - 1
    year = whole_number(text, low=2000, high=this_year)
    if year is None:
        raise InvalidInput(_("Choose a year from 2000 to %(year)s.", year=this_year))
    return year


def _when(moment) -> str:
    return moment.astimezone(PROVIDER_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


def _sections(report):
    approval_header = [_("Time (Mountain)"), _("Account"), _("Customer"), _("Partner"),
                       _("Scope"), _("Method"), _("By")]
    yield _("Summary"), [_("Figure"), _("Value")], [
        [_("Year"), report.year], [_("Approvals granted"), len(report.granted)],
        [_("Approvals revoked"), len(report.revoked)],
        [_("Disclosures to partners"), report.partner_disclosure_total],
        [_("Disclosures to staff"), report.staff_disclosure_total],
        [_("Breaches"), len(report.breaches)], [_("Complaints"), len(report.complaints)],
        [_("Marketing exports"), len(report.exports)],
        [_("Customers in marketing exports"), report.exported_customers]]
    for title, entries in [(_("Approvals granted"), report.granted),
                           (_("Approvals revoked"), report.revoked)]:
        yield title, approval_header, [
            [_when(a.at), a.account_number, a.customer_name, a.partner_name,
             SCOPE_LABELS[a.scope], METHOD_LABELS[a.method], a.by] for a in entries]
    yield _("Disclosures to partners"), [_("Partner"), _("Surface"), _("Count")], [
        [partner, SURFACE_LABELS[surface], count]
        for partner, surface, count in report.partner_disclosures]
    yield _("Disclosures to staff"), [_("Purpose"), _("Count")], [
        [PURPOSE_LABELS[purpose], count] for purpose, count in report.staff_disclosures.items()]
    yield _("Breaches"), [
        _("Breach"), _("Discovered"), _("Determined"), _("Notice due by"),
        _("Law enforcement notified"), _("Reference"), _("Override"), _("Override by"),
        _("Override reason"), _("Customers notified"), _("Affected accounts"), _("Status")], [
        [e.breach.id, _when(e.breach.discovered_at), _when(e.breach.determined_at),
         e.status.notice_due_on.isoformat(), _when(e.breach.law_enforcement_notified_at),
         e.breach.law_enforcement_reference, _when(e.breach.override_at), e.override_by,
         e.breach.override_reason, _when(e.breach.customers_notified_at), e.customer_count,
         status_text(e.status)] for e in report.breaches]
    yield _("Complaints by category"), [_("Category"), _("Count")], [
        [CATEGORY_LABELS.get(key, key), count]
        for key, count in report.complaints_by_category.items()]
    yield _("Complaints"), [_("Received"), _("Account"), _("Customer"), _("Category"),
                            _("Status"), _("Closed"), _("Summary"), _("Resolution")], [
        [_when(c.complaint.received_at), c.account_number, c.customer_name,
         CATEGORY_LABELS.get(c.complaint.category, c.complaint.category),
         _("closed") if c.complaint.status == "closed" else _("open"),
         _when(c.complaint.closed_at), c.complaint.summary, c.complaint.resolution]
        for c in report.complaints]
    yield _("Marketing exports"), [_("Exported"), _("Campaign"), _("Partner"), _("By"),
                                   _("Customers")], [
        [_when(e.export.exported_at), e.export.campaign, e.partner_name, e.by,
         e.customer_count] for e in report.exports]


staff_bp.register_blueprint(bp, url_prefix="/compliance")
