"""Commission runs for billing staff (run a month, review it, approve it, download the
payables CSV) and plans for admins. A nested blueprint of the staff pages that guards
itself: anyone else is answered as if the pages did not exist."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from billing.commissions import months
from billing.commissions.models import CATEGORIES, CommissionPlan, CommissionRun
from billing.commissions.plans import set_plan
from billing.commissions.runs import approve_run, payables, run_month
from billing.core.clock import utcnow
from billing.core.errors import DomainError, NotFound
from billing.core.money import Money
from billing.parties.models import Partner
from portal.commissions.forms import ApproveForm, PlanForm, RunMonthForm
from portal.extensions import db
from portal.guards import require
from reports.commission_files import payables_csv
from reports.workbooks import Column, Sheet, workbook

bp = Blueprint("commissions", __name__)
bp.before_request(require(lambda user: user.is_billing_staff or user.role == "admin"))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _billing_only():
    if not current_user.is_billing_staff:
        abort(404)


@bp.route("", methods=["GET", "POST"])
def index():
    _billing_only()
    form = RunMonthForm()
    if form.validate_on_submit():
        month = form.month.data.strip()
        try:
            result = run_month(db.session, month, utcnow(), started_by=current_user.email)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Commission of %(month)s: %(lines)s lines added.", month=month,
                    lines=result.lines_added))
            return redirect(url_for(".run", month=month))
    runs = db.session.scalars(select(CommissionRun).order_by(CommissionRun.month.desc())).all()
    return render_template("commissions/staff_runs.html", form=form, runs=runs,
                           current=months.month_of(utcnow()))


@bp.route("/<month>")
def run(month):
    _billing_only()
    found = _run(month)
    rows = found.payables if found.status == "approved" else payables(db.session, found.id)
    return render_template("commissions/staff_run.html", run=found, form=ApproveForm(),
                           payables=rows, partners=_partners())


@bp.route("/<month>/approve", methods=["POST"])
def approve(month):
    _billing_only()
    if ApproveForm().validate_on_submit():
        try:
            approve_run(db.session, month, current_user.email, utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("The commission of %(month)s is approved.", month=month))
    return redirect(url_for(".run", month=month))


@bp.route("/<month>/payables.csv")
def payables_file(month):
    _billing_only()
    found = _run(month)
    if found.status != "approved":
        raise NotFound("The month is not approved yet.")
    body = payables_csv(month, found.payables, _partners())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="commission-payables-{month}.csv"'})


@bp.route("/<month>/payables.xlsx")
def payables_workbook(month):
    """The payables as a workbook: one row per partner and currency, amounts as money."""
    _billing_only()
    found = _run(month)
    if found.status != "approved":
        raise NotFound("The month is not approved yet.")
    partners = _partners()
    rows = [(month, *partners[p["partner_id"]], p["currency"],
             Money(p["amount_minor"], p["currency"])) for p in found.payables]
    sheet = Sheet(_("Payables"), [Column(_("Month"), width=9), Column(_("Partner code")),
                                  Column(_("Partner"), width=28),
                                  Column(_("Currency"), width=9),
                                  Column(_("Commission"), "money", 16)], rows)
    return Response(workbook([sheet]), mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="commission-payables-{month}.xlsx"'})


@bp.route("/plans", methods=["GET", "POST"])
def plans():
    if current_user.role != "admin":
        abort(404)
    form = PlanForm()
    if form.validate_on_submit():
        try:
            set_plan(db.session, form.partner_code.data, form.effective_from.data,
                     {c: getattr(form, f"{c}_rate").data for c in CATEGORIES})
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Plan saved."))
            return redirect(url_for(".plans"))
    rows = db.session.execute(select(CommissionPlan, Partner).join(Partner).order_by(
        Partner.code, CommissionPlan.effective_from.desc())).all()
    return render_template("commissions/staff_plans.html", form=form, rows=rows)


def _run(month: str) -> CommissionRun:
    found = db.session.scalar(select(CommissionRun).where(CommissionRun.month == month))
    if found is None:
        raise NotFound("No commission run for this month.")
    return found


def _partners() -> dict:
    return {pid: (code, name) for pid, code, name in
            db.session.execute(select(Partner.id, Partner.code, Partner.name))}
