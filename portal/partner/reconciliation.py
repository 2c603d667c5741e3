"""A rebiller's Reconciliation: upload its billing file for a period, its runs, each run's
page with progress, figures, chart and rows, and the CSV and workbook downloads.

Only a wholesale partner's people reach these pages; other partners are answered as if
they did not exist.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.errors import InvalidInput
from billing.reconciliation.rebiller_file import BillingFileRefused
from portal.extensions import db
from portal.partner import bp
from portal.reconciliation import rebiller_pages as pages
from portal.reconciliation.rebiller_forms import BillingFileForm

EP = {"index": "partner.reconciliation", "run": "partner.reconciliation_run",
      "progress": "partner.reconciliation_progress", "csv": "partner.reconciliation_csv",
      "xlsx": "partner.reconciliation_xlsx"}


def _rebillers_only():
    if current_user.partner.kind != "wholesale":
        abort(404)


@bp.route("/reconciliation", methods=["GET", "POST"])
def reconciliation():
    _rebillers_only()
    form, problems = BillingFileForm(), []
    if form.validate_on_submit():
        try:
            started = pages.start(current_user.partner, form.period.data, form.file.data)
        except BillingFileRefused as refused:
            db.session.rollback()
            problems = refused.errors
            flash(refused.message, "error")
        except InvalidInput as refused:
            db.session.rollback()
            flash(refused.message, "error")
        else:
            if not started.created:
                flash(_("This file was already reconciled against the same books: here is "
                        "that run."))
            return redirect(url_for(EP["run"], run_id=started.run.id))
    status = 400 if form.is_submitted() else 200  # a submitted form shown again was refused
    return render_template("reconciliation/rebiller_runs.html", form=form, problems=problems,
                           runs=pages.runs_of(current_user.partner_id), ep=EP,
                           state_labels=pages.STATE_LABELS, is_staff=False), status


@bp.route("/reconciliation/<run_id>")
def reconciliation_run(run_id):
    _rebillers_only()
    return pages.run_page(run_id, EP)


@bp.route("/reconciliation/<run_id>/progress")
def reconciliation_progress(run_id):
    _rebillers_only()
    return pages.run_progress(run_id)


@bp.route("/reconciliation/<run_id>/rows.csv")
def reconciliation_csv(run_id):
    _rebillers_only()
    return pages.run_csv(run_id)


@bp.route("/reconciliation/<run_id>/workbook.xlsx")
def reconciliation_xlsx(run_id):
    _rebillers_only()
    return pages.run_xlsx(run_id)
