"""Payment reconciliation for billing staff: start a run (a Stripe report they upload, or a
sync window), follow it, read its results (figures, payouts, fees, a chart, CSV and
workbook), and work the exceptions queue.

A nested blueprint of the staff pages that guards itself: only billing roles reconcile.
An upload is checked whole before any run is recorded, so a bad file saves nothing; the
run itself then works in the background and the run page polls its progress. An
exception tied to an account's payment is a CPNI disclosure for billing, logged.
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.core.errors import DomainError, InvalidInput, NotFound
from billing.parties.models import Customer
from billing.payments.models import Payment
from billing.reconciliation import payment_queries as queries
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_input import MAX_UPLOAD, check, file_key, report_lines
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from billing.reconciliation.payment_resolutions import ALLOWED, Resolution, resolve_exception
from billing.reconciliation.payment_runs import fees, payouts, start_payment_run, sync_key
from billing.reconciliation.payment_sync import window_label
from billing.reconciliation.runs import keep_input
from portal.extensions import db
from portal.guards import require
from portal.paging import page_number, paginate
from portal.payments.settings import stripe_settings
from portal.payments.staff_pages import log_disclosures
from portal.reconciliation import labels
from portal.reconciliation.background import reconcile_in_background
from portal.reconciliation.forms import ReportForm, ResolveForm, WindowForm
from portal.reconciliation.presenters import amounts_chart, figure_rows, progress_of
from reports.reconciliation_files import run_csv, run_workbook

bp = Blueprint("reconciliation", __name__)
bp.before_request(require(lambda user: user.is_billing_staff))

RUN_PAGE_EXCEPTIONS = 100  # the rest are in the queue, filtered by run
WORKBOOK_ROWS = 100_000  # beyond this, openpyxl's memory and Excel's patience run out
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.context_processor
def _labels():
    return {"class_labels": labels.ITEM_CLASS_LABELS, "kind_labels": labels.EXCEPTION_LABELS,
            "resolution_labels": labels.RESOLUTION_LABELS,
            "state_labels": labels.RUN_STATE_LABELS}


@bp.route("")
def index():
    return _index(ReportForm(), WindowForm())


def _index(report_form, window_form, problems=None, status=200):
    page = paginate(db.session, queries.payment_runs(db.session), page_number(request.args),
                    _load_runs)
    currencies = queries.currencies_seen(db.session) or ["USD"]
    currency = request.args.get("currency", currencies[0])
    if currency not in currencies:
        currency = currencies[0]
    return render_template("reconciliation/staff_runs.html", page=page,
                           report_form=report_form, window_form=window_form,
                           problems=problems, chart=amounts_chart(currency),
                           currencies=currencies, currency=currency,
                           max_upload=MAX_UPLOAD), status


@bp.route("/report", methods=["POST"])
def start_report():
    form = ReportForm()
    if not form.validate_on_submit():
        return _index(form, WindowForm(formdata=None), status=400)
    data = form.file.data.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(_("The file is larger than 10 MB."))
    try:
        checked = check(report_lines(io.BytesIO(data)), utcnow())
    except DomainError as refused:
        return _index(form, WindowForm(formdata=None), problems=[(1, "", refused.message)],
                      status=400)
    if not checked.ok:
        problems = [(e.row, e.column, e.message) for e in checked.errors]
        return _index(form, WindowForm(formdata=None), problems=problems, status=400)
    key, _lines = file_key(io.BytesIO(data))
    return _start(key, form.file.data.filename or "report.csv", checked.rows, data=data)


@bp.route("/sync", methods=["POST"])
def start_sync():
    form = WindowForm()
    if not form.validate_on_submit():
        return _index(ReportForm(formdata=None), form, status=400)
    if stripe_settings() is None:
        raise InvalidInput(_("Stripe is not configured here: reconcile a report file "
                             "instead."))
    since, until = form.window()
    return _start(sync_key(since, until), window_label(since, until), 0, window=(since, until))


def _start(key: str, label: str, total: int, *, data=None, window=None):
    started = start_payment_run(db.session, input_key=key, input_label=label,
                                started_by=current_user.email, now=utcnow(), total=total,
                                window=window)
    if started.created and data is not None:
        keep_input(db.session, started.run, file_name=label, data=data, now=utcnow())
    db.session.commit()
    if started.created:
        reconcile_in_background(started.run.id, window=window)
        flash(_("The reconciliation has started."))
    else:
        flash(_("These inputs were reconciled already: here is that run."))
    return redirect(url_for(".run", run_id=started.run.id))


@bp.route("/<id:run_id>")
def run(run_id):
    found = _run(run_id)
    exceptions = db.session.execute(queries.exceptions_query(run_id=found.id)
                                    .limit(RUN_PAGE_EXCEPTIONS)).all()
    return render_template(
        "reconciliation/staff_run.html", run=found, progress=progress_of(found),
        figures=figure_rows(found), payouts=payouts(db.session, found.id),
        fees=fees(db.session, found.id), exceptions=exceptions,
        open_exceptions=queries.open_exception_count(db.session, found.id))


@bp.route("/<id:run_id>/payouts/<payout_id>")
def payout(run_id, payout_id):
    """The transactions one payout paid out, as the run read them."""
    found = _finished(run_id)
    summary = next((p for p in payouts(db.session, found.id) if p["payout_id"] == payout_id),
                   None)
    if summary is None:
        raise NotFound(_("No such payout in this run."))
    page = paginate(db.session, queries.payout_items(found.id, payout_id),
                    page_number(request.args), _load_items)
    return render_template("reconciliation/staff_payout.html", run=found, payout=summary,
                           page=page)


@bp.route("/<id:run_id>/progress")
def progress(run_id):
    return jsonify(progress_of(_run(run_id)))


@bp.route("/<id:run_id>/results.csv")
def results_csv(run_id):
    found = _finished(run_id)
    exceptions = {exception.item_id: exception for exception, _item in db.session.execute(
        queries.exceptions_query(run_id=found.id))}
    body = run_csv(queries.run_items(db.session, found.id), exceptions)
    return Response(body, mimetype="text/csv", headers=_download(found, "csv"))


@bp.route("/<id:run_id>/results.xlsx")
def results_workbook(run_id):
    found = _finished(run_id)
    if found.total > WORKBOOK_ROWS:
        raise InvalidInput(_("This run has more rows than a workbook holds well: download "
                             "the CSV instead."))
    body = run_workbook(found, queries.run_items(db.session, found.id),
                        payouts(db.session, found.id), fees(db.session, found.id),
                        labels.workbook_labels())
    return Response(body, mimetype=XLSX, headers=_download(found, "xlsx"))


def _download(found: ReconciliationRun, extension: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="reconciliation-{found.id}.'
                                   f'{extension}"', "Cache-Control": "no-store"}


@bp.route("/exceptions")
def exceptions():
    status = request.args.get("status", "open")
    if status not in ("open", "resolved"):
        status = "open"
    run_id = request.args.get("run", "")
    run_id = int(run_id) if run_id.isascii() and run_id.isdigit() and len(run_id) < 10 else None
    page = paginate(db.session, queries.exceptions_query(status=status, run_id=run_id),
                    page_number(request.args), _load_exceptions)
    return render_template("reconciliation/staff_exceptions.html", page=page, status=status,
                           run_id=run_id)


@bp.route("/exceptions/<id:exception_id>", methods=["GET", "POST"])
def exception(exception_id):
    found = db.session.get(ReconciliationException, exception_id)
    if found is None:
        raise NotFound(_("No such exception."))
    form = ResolveForm(ALLOWED[found.kind])
    if found.status == "open" and form.validate_on_submit():
        problem = _resolve(found, form)
        if problem is None:
            flash(_("The exception is resolved."))
            return redirect(url_for(".exception", exception_id=exception_id))
        return _exception_page(db.session.get(ReconciliationException, exception_id), form,
                               problem, 400)
    return _exception_page(found, form, None, 400 if form.errors else 200)


def _resolve(found: ReconciliationException, form: ResolveForm) -> str | None:
    """Resolve as the form says and commit; the refusal's message, or None."""
    customer_id = None
    if form.how.data in ("assigned", "recorded"):
        customer_id = db.session.scalar(select(Customer.id).where(
            Customer.account_number == form.account_number.data.strip()))
        if customer_id is None:
            return _("No account has that number.")
    resolution = Resolution(form.how.data, form.reason.data, current_user.email,
                            current_user.id, customer_id, tuple(form.named))
    try:
        resolve_exception(db.session, found.id, resolution, utcnow())
    except DomainError as refused:
        db.session.rollback()
        return refused.message
    db.session.commit()
    return None


def _exception_page(found, form, problem, status):
    payment = db.session.get(Payment, found.item.payment_id) if found.item.payment_id else None
    if payment is not None and payment.customer_id:
        log_disclosures([payment], f"reconciliation exception {found.id}")
    return render_template("reconciliation/staff_exception.html", exception=found,
                           item=found.item, payment=payment, form=form, problem=problem,
                           run=db.session.get(ReconciliationRun, found.run_id)), status


def _run(run_id: int) -> ReconciliationRun:
    found = db.session.get(ReconciliationRun, run_id)
    if found is None or found.kind != "payments":
        raise NotFound(_("No such reconciliation run."))
    return found


def _finished(run_id: int) -> ReconciliationRun:
    found = _run(run_id)
    if found.state != "done":
        raise NotFound(_("The run has no results yet."))
    return found


def _load_runs(session, ids) -> list:
    by_id = {found.id: found for found in session.scalars(
        select(ReconciliationRun).where(ReconciliationRun.id.in_(ids)))}
    return [by_id[i] for i in ids]


def _load_exceptions(session, ids) -> list:
    by_id = {found.id: (found, item) for found, item in session.execute(
        queries.exceptions_query().where(ReconciliationException.id.in_(ids)))}
    return [by_id[i] for i in ids]


def _load_items(session, ids) -> list:
    by_id = {item.id: item for item in session.scalars(
        select(ReconciliationItem).where(ReconciliationItem.id.in_(ids)))}
    return [by_id[i] for i in ids]
