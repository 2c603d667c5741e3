"""Rebiller reconciliation for billing staff: every rebiller's runs in full, and a run
started for a rebiller and period from the retail invoices the portal issued. A nested
blueprint of the staff pages that guards itself: anyone else gets a 404."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from billing.core.errors import InvalidInput
from billing.parties.models import Partner
from portal.extensions import db
from portal.guards import require
from portal.reconciliation import rebiller_pages as pages
from portal.reconciliation.rebiller_forms import StaffRunForm

bp = Blueprint("rebiller_reconciliation", __name__)
bp.before_request(require(lambda user: user.is_billing_staff))
EP = {name: f"staff.rebiller_reconciliation.{name}"
      for name in ("index", "run", "progress", "csv", "xlsx")}


@bp.route("", methods=["GET", "POST"])
def index():
    form = StaffRunForm()
    if form.validate_on_submit():
        partner = db.session.scalar(select(Partner).where(
            Partner.code == form.partner_code.data.strip(), Partner.kind == "wholesale"))
        try:
            if partner is None:
                raise InvalidInput(_("No rebiller has that code."))
            started = pages.start(partner, form.period.data)
        except InvalidInput as refused:
            db.session.rollback()
            flash(refused.message, "error")
        else:
            if not started.created:
                flash(_("These inputs were already reconciled: here is that run."))
            return redirect(url_for(EP["run"], run_id=started.run.id))
    status = 400 if form.is_submitted() else 200
    return render_template("reconciliation/rebiller_runs.html", form=form, problems=[],
                           runs=pages.runs_of(None), ep=EP, state_labels=pages.STATE_LABELS,
                           is_staff=True), status


@bp.route("/<run_id>")
def run(run_id):
    return pages.run_page(run_id, EP)


@bp.route("/<run_id>/progress")
def progress(run_id):
    return pages.run_progress(run_id)


@bp.route("/<run_id>/rows.csv")
def csv(run_id):
    return pages.run_csv(run_id)


@bp.route("/<run_id>/workbook.xlsx")
def xlsx(run_id):
    return pages.run_xlsx(run_id)
