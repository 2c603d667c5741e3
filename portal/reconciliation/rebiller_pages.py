"""The rebiller reconciliation pages and downloads: handlers shared by the rebiller's
routes (portal/partner/reconciliation.py) and billing staff's (rebiller_staff.py).

`ep` names the endpoints of the audience's routes, so one template serves both.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_currency
from flask import Response, jsonify, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import parse_period, utcnow
from billing.core.errors import NotFound
from billing.core.money import Money
from billing.parties.models import Partner
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller_file import file_digest, read_billing_file
from billing.reconciliation.rebiller_runs import check_can_reconcile, start_rebiller_run
from portal.extensions import db
from portal.i18n import select_locale
from portal.paging import chosen, page_number
from portal.reconciliation import rebiller_presenters as present
from portal.reconciliation import run_access
from portal.reconciliation.rebiller_jobs import start_rebiller_job
from portal.reconciliation.rebiller_labels import (
    CLASS_LABELS,
    KIND_LABELS,
    STATE_LABELS,
    file_labels,
)
from reports.charts import Stack, stacked_bar_chart
from reports.rebiller_reconciliation import rebiller_csv, rebiller_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 100


def runs_of(partner_id: int | None) -> list[ReconciliationRun]:
    query = run_access.reconciliation_runs_query(current_user).where(
        ReconciliationRun.kind == "rebiller")
    if partner_id is not None:
        query = query.where(ReconciliationRun.partner_id == partner_id)
    return db.session.scalars(query.order_by(ReconciliationRun.id.desc()).limit(200)).all()


def start(partner: Partner, period_text: str, upload=None):
    """Check the file (if any) and start its run, or find the one these inputs made.
    Returns (run, created); a refused file raises BillingFileRefused, saving nothing."""
    now = utcnow()
    period = parse_period(period_text.strip())
    check_can_reconcile(db.session, partner, period, now)
    lines, digest, name = None, None, ""
    if upload is not None:
        data = upload.read()
        lines = read_billing_file(db.session, partner, period, data, now.date())
        digest, name = file_digest(data), upload.filename or "billing.csv"
    started = start_rebiller_run(db.session, partner, period, started_by=current_user.email,
                                 now=now, file_digest=digest, file_name=name)
    db.session.commit()
    if started.created:
        start_rebiller_job(started.run.id, now, lines)
    return started


def run_page(run_id, ep: dict):
    run = _run(run_id)
    now = utcnow()
    cut = present.cut_of(db.session, current_user, run, now)
    row_class = chosen(request.args, "class", tuple(CLASS_LABELS))
    number = page_number(request.args)
    query = present.rows_query(db.session, run, cut, row_class)
    rows = present.row_dicts(db.session, query.limit(PAGE_SIZE + 1)
                             .offset((number - 1) * PAGE_SIZE))
    more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    # Rendered before the disclosures' commit, which would expire the run: read again
    # afterwards it could say "Done" for a run that finished after its rows were read,
    # leaving a finished page without them and nothing to reload it.
    page = render_template(
        "reconciliation/rebiller_run.html", run=run, ep=ep, progress=_progress(run),
        classes=present.classes(cut), rows=rows, page=number, more=more, chosen=row_class,
        own_bill=present.own_bill(db.session, run), charts=_charts(run, now),
        class_labels=CLASS_LABELS, kind_labels=KIND_LABELS, state_labels=STATE_LABELS,
        is_staff=current_user.is_staff)
    present.log_rows(db.session, current_user, cut, rows, surface="page",
                     subject=f"reconciliation {run.id}", now=now)
    db.session.commit()
    return page


def run_progress(run_id):
    return jsonify(_progress(_run(run_id)))


def run_csv(run_id):
    run, classes, rows = _export(run_id)
    body = rebiller_csv(classes, rows, file_labels())
    return Response(body, mimetype="text/csv", headers=_download(run, "csv"))


def run_xlsx(run_id):
    run, classes, rows = _export(run_id)
    body = rebiller_workbook(classes, rows, file_labels())
    return Response(body, mimetype=XLSX, headers=_download(run, "xlsx"))


def _export(run_id):
    run = _run(run_id)
    now = utcnow()
    cut = present.cut_of(db.session, current_user, run, now)
    rows = present.row_dicts(db.session, present.rows_query(db.session, run, cut))
    present.log_rows(db.session, current_user, cut, rows, surface="export",
                     subject=f"reconciliation {run.id}", now=now)
    db.session.commit()
    return run, present.classes(cut), rows


def _download(run, extension: str) -> dict:
    period = f"{run.period_end:%Y-%m}"
    return {"Content-Disposition": f'attachment; filename="reconciliation-{run.id}-{period}.'
                                   f'{extension}"', "Cache-Control": "private, no-store"}


def _run(run_id) -> ReconciliationRun:
    run = run_access.get_reconciliation_run(db.session, current_user, run_id)
    if run.kind != "rebiller":
        raise NotFound(_("No such reconciliation run."))
    return run


def _progress(run: ReconciliationRun) -> dict:
    label = (_("%(done)s of %(total)s rows", done=run.done, total=run.total)
             if run.total else _("Comparing…"))
    return {"state": run.state, "active": run.state == "running", "done": run.done,
            "total": run.total, "label": label if run.state == "running"
            else str(STATE_LABELS[run.state])}


def _charts(run: ReconciliationRun, now) -> dict:
    """A stacked bar per period (amounts at stake per class) for each currency."""
    locale = select_locale()
    names = [str(CLASS_LABELS[cls]) for cls in present.AT_STAKE_CLASSES]
    charts = {}
    for currency, periods in present.history(db.session, current_user, run.partner_id,
                                             now).items():
        def text(value, currency=currency):
            return format_currency(value, currency, locale=locale)

        stacks = []
        for period, amounts in periods:
            label = format_date(date(period.end.year, period.end.month, 1), "MMM yy")
            values = tuple(Money(amounts[cls], currency).major if amounts[cls] > 0
                           else Decimal(0) for cls in present.AT_STAKE_CLASSES)
            stacks.append(Stack(label, values, f"{label}: {text(sum(values, Decimal(0)))}"))
        charts[currency] = stacked_bar_chart(
            stacks, names, chart_id=f"chart-reconciliation-{currency}",
            title=_("Amounts at stake per class, %(currency)s", currency=currency),
            value_text=text)
    return charts
