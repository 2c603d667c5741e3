"""Compliance pages: the annual CPNI certification report for a calendar year, as a
page and as a CSV of the same sections (figures from billing/cpni/certification.py)."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import PROVIDER_TZ, provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.core.numbers import whole_number
from billing.cpni import officer
from billing.cpni.certification import certification_report
from portal.cpni.compliance_forms import (
    CATEGORY_LABELS,
    METHOD_LABELS,
    PURPOSE_LABELS,
    SCOPE_LABELS,
    SURFACE_LABELS,
    OfficerStatementForm,
    status_text,
)
from portal.extensions import db
from portal.staff.compliance import bp
from reports.csv_files import csv_sections
from reports.section_sheets import sheets_from_sections
from reports.workbooks import workbook

YEARS_OFFERED = 10
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/certification")
def certification(form=None, problem=None, status=200):
    now = utcnow()
    year = _year(request.args.get("year"), now)
    report = certification_report(db.session, year, now)
    this_year = provider_date(now).year
    return render_template(
        "cpni/staff_certification.html", report=report, describe=status_text,
        years=range(this_year, this_year - YEARS_OFFERED, -1), categories=CATEGORY_LABELS,
        surfaces=SURFACE_LABELS, purposes=PURPOSE_LABELS, scopes=SCOPE_LABELS,
        methods=METHOD_LABELS, provider=current_app.config["PROVIDER_NAME"],
        statement_form=form or OfficerStatementForm(formdata=None), problem=problem), status


@bp.route("/certification/statement", methods=["POST"])
def sign_statement():
    """The admin signs the year's officer statement; it is stored as signed, once."""
    now = utcnow()
    year = _year(request.args.get("year"), now)
    form = OfficerStatementForm()
    if not form.validate_on_submit():
        return certification(form, status=400)
    try:
        officer.sign_statement(
            db.session, year=year, user=current_user, officer_name=form.officer_name.data,
            officer_title=form.officer_title.data, signed_on=form.signed_on.data,
            procedures=form.procedures.data,
            data_broker_actions=form.data_broker_actions.data, now=now)
    except InvalidInput as refused:
        db.session.rollback()
        return certification(form, problem=_refusal(refused, year), status=400)
    db.session.commit()
    flash(_("The officer's statement for %(year)s is signed and stored.", year=year), "info")
    return redirect(url_for("staff.compliance.certification", year=year))


def _refusal(refused: InvalidInput, year: int) -> str:
    return {
        "already_signed": _("The statement for %(year)s is already signed.", year=year),
        "signed_too_early": _("The statement is signed after the year it certifies ends."),
        "signed_in_future": _("The signing date cannot be in the future."),
    }.get(refused.code, refused.message)


@bp.route("/certification.csv")
def certification_download():
    now = utcnow()
    year = _year(request.args.get("year"), now)
    body = csv_sections(_sections(certification_report(db.session, year, now)))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="cpni-certification-{year}.csv"',
        "Cache-Control": "private, no-store"})


@bp.route("/certification.xlsx")
def certification_workbook():
    """The same tables as the CSV, one sheet each, with counts as numbers and dates as
    dates (reports/section_sheets.py)."""
    now = utcnow()
    year = _year(request.args.get("year"), now)
    body = workbook(sheets_from_sections(_sections(certification_report(db.session, year,
                                                                        now))))
    return Response(body, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="cpni-certification-{year}.xlsx"',
        "Cache-Control": "private, no-store"})


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
    statement = report.statement
    yield _("Officer's statement"), [_("Field"), _("Value")], [
        [_("Officer"), statement.officer_name], [_("Title"), statement.officer_title],
        [_("Signed on"), statement.signed_on.isoformat()],
        [_("Operating procedures"), statement.procedures]] if statement else [
        [_("Status"), _("not signed yet")]]
    yield _("Actions taken against data brokers"), [_("Actions")], [
        [statement.data_broker_actions if statement else _("not signed yet")]]
    yield _("Marketing exports"), [_("Exported"), _("Campaign"), _("Partner"), _("By"),
                                   _("Customers")], [
        [_when(e.export.exported_at), e.export.campaign, e.partner_name, e.by,
         e.customer_count] for e in report.exports]
