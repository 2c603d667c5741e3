"""Invoice runs for billing staff: start a bill period's run, follow it, issue its drafts.

A nested blueprint of the staff pages, so that it guards itself: only billing roles run
invoicing, and anyone else is answered as if the pages did not exist.
"""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from billing.core.clock import provider_date, utcnow
from billing.core.errors import NotFound
from billing.invoicing import run_lifecycle
from billing.invoicing.usage_models import InvoiceRun
from portal import jobs
from portal.extensions import db
from portal.guards import require
from portal.paging import page_number, paginate
from portal.staff.forms import RunStartForm

bp = Blueprint("runs", __name__)
bp.before_request(require(lambda user: user.is_billing_staff))

STATE_LABELS = {"running": _l("Drafting"), "drafted": _l("Drafted"),
                "issuing": _l("Issuing"), "issued": _l("Issued"), "stalled": _l("Stopped")}


@bp.route("", methods=["GET", "POST"])
def index():
    form = RunStartForm(provider_date(utcnow()))
    if form.validate_on_submit():
        return _start(form.chosen)
    query = select(InvoiceRun).order_by(InvoiceRun.period_end.desc(), InvoiceRun.id.desc())
    page = paginate(db.session, query, page_number(request.args), _load_runs)
    status = 400 if form.errors else 200
    return render_template("invoicing/staff_runs.html", form=form, page=page, state_of=_state,
                           state_labels=STATE_LABELS), status


@bp.route("/<id:run_id>")
def run(run_id):
    run = get_run(run_id)
    return render_template("invoicing/staff_run.html", run=run, progress=_progress(run),
                           drafts=run_lifecycle.drafts_waiting(db.session, run.period_end),
                           state_label=STATE_LABELS[_state(run)])


@bp.route("/<id:run_id>/progress")
def progress(run_id):
    """What the progress view polls: how far the run got, and whether it is still going."""
    return jsonify(_progress(get_run(run_id)))


@bp.route("/<id:run_id>/issue", methods=["POST"])
def issue(run_id):
    run = get_run(run_id)
    if run_lifecycle.claim_issuing(db.session, run.id, now=utcnow()):
        jobs.run_in_background(run.id)
        flash(_("Issuing the drafts of %(period)s.", period=run.period.key))
    else:
        flash(_refusal_to_issue(run), "error")
    return redirect(url_for(".run", run_id=run.id))


def _start(period):
    claim = run_lifecycle.claim_drafting(db.session, period, started_by=current_user.email,
                                         now=utcnow())
    if claim.claimed:
        jobs.run_in_background(claim.run.id)
        flash(_("The run for %(period)s has started.", period=period.key))
    elif claim.nothing_to_do:
        flash(_("Nothing to do: the invoices of %(period)s have been issued.",
                period=period.key))
    else:
        flash(_("The run for %(period)s is already running.", period=period.key), "error")
    return redirect(url_for(".run", run_id=claim.run.id))


def _refusal_to_issue(run: InvoiceRun) -> str:
    if run.state == "issuing":
        return _("The drafts of %(period)s are already being issued.", period=run.period.key)
    if run.state == "issued":
        return _("The drafts of %(period)s have been issued.", period=run.period.key)
    return _("The run is still drafting; issue its drafts once it has finished.")


def get_run(run_id: int) -> InvoiceRun:
    """The run, or NotFound."""
    run = db.session.get(InvoiceRun, run_id)
    if run is None:
        raise NotFound("No such invoice run.")
    return run


def _load_runs(session, ids) -> list:
    by_id = {run.id: run for run in session.scalars(
        select(InvoiceRun).where(InvoiceRun.id.in_(ids)))}
    return [by_id[i] for i in ids]


def _state(run: InvoiceRun) -> str:
    return "stalled" if run_lifecycle.is_stalled(run, utcnow()) else run.state


def _progress(run: InvoiceRun) -> dict:
    state = _state(run)
    return {"state": state, "active": state in ("running", "issuing"),
            "done": run.done, "total": run.total, "label": _progress_label(run, state)}


def _progress_label(run: InvoiceRun, state: str) -> str:
    done, total = format_number(run.done), format_number(run.total)
    if state == "running" and not run.total:
        return _("Finding the accounts to invoice…")
    if state == "drafted" and not run.total:
        return _("Every account already had its invoice for this period.")
    if state in ("issuing", "issued") or (state == "stalled" and run.state == "issuing"):
        return ngettext("%(done)s of %(total)s invoice issued",
                        "%(done)s of %(total)s invoices issued", run.total,
                        done=done, total=total)
    return ngettext("%(done)s of %(total)s account", "%(done)s of %(total)s accounts",
                    run.total, done=done, total=total)
