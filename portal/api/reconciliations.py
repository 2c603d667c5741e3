"""Reconciliation runs over the API: a list with a cursor, and one run with its rows.

Within the access policy (portal.reconciliation.run_access): a billing staff
token reads every run of both kinds (a payment run rendered generically: kind, inputs,
who, state, figures); a rebiller's token reads its own rebiller runs, whose rows and
amounts follow each end customer's CPNI approval as on the pages; other tokens read
none, and a run out of reach answers 404.
"""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.reconciliation.models import RUN_KINDS, ReconciliationRun
from portal.api import bp
from portal.api.views import cursor_page
from portal.extensions import db
from portal.paging import chosen
from portal.reconciliation import rebiller_presenters as present
from portal.reconciliation import run_access


@bp.route("/reconciliations")
def reconciliations():
    now = utcnow()
    query = run_access.reconciliation_runs_query(g.api_user)
    kind = chosen(request.args, "kind", RUN_KINDS)
    if kind:
        query = query.where(ReconciliationRun.kind == kind)
    rows, cursor = cursor_page(query, ReconciliationRun.id, _load)
    data = [run_dict(run, now) for run in rows]
    return jsonify({"data": data, "next_cursor": cursor})


@bp.route("/reconciliations/<run_id>")
def reconciliation(run_id):
    now = utcnow()
    run = run_access.get_reconciliation_run(db.session, g.api_user, run_id)
    data = run_dict(run, now, detail=True)
    db.session.commit()  # the disclosure log
    return jsonify({"data": data})


def run_dict(run: ReconciliationRun, now, *, detail: bool = False) -> dict:
    found = {"id": run.id, "kind": run.kind, "input_label": run.input_label,
             "state": run.state, "started_by": run.started_by,
             "started_at": run.started_at.isoformat(),
             "finished_at": run.finished_at.isoformat() if run.finished_at else None,
             "progress": {"done": run.done, "total": run.total}, "failure": run.failure or None,
             "period": f"{run.period_end:%Y-%m}" if run.period_end else None,
             "window_start": run.window_start.isoformat() if run.window_start else None,
             "window_end": run.window_end.isoformat() if run.window_end else None}
    if run.kind != "rebiller":
        found["figures"] = _figures(run.figures)
        return found
    cut = present.cut_of(db.session, g.api_user, run, now)
    found["partner_id"] = run.partner_id
    found["classes"] = present.classes(cut)
    if detail:
        found["own_bill"] = present.own_bill(db.session, run)
        rows = present.row_dicts(db.session, present.rows_query(db.session, run, cut))
        present.log_rows(db.session, g.api_user, cut, rows, surface="api",
                         subject=f"reconciliation {run.id}", now=now)
        found["rows"] = rows
    return found


def _figures(figures: dict) -> list[dict]:
    from portal.invoicing.presenters import money

    return [{"class": cls, "currency": currency, "count": entry["count"],
             "at_stake": money(entry["amount_minor"], currency)}
            for cls, by_currency in sorted(figures.items())
            for currency, entry in sorted(by_currency.items())]


def _load(session, ids) -> list:
    by_id = {run.id: run for run in session.scalars(
        select(ReconciliationRun).where(ReconciliationRun.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]
