"""The billing staff's dashboard: the dispute queue per escalation tier with its overdue
disputes, the invoice and reconciliation runs at work, open reconciliation exceptions,
the receivables (ageing as of today) and the SLA credit requests waiting.

Every figure is an aggregate over all accounts or a count, not one account's CPNI, so
nothing here is a disclosure to log (as on the staff ageing page's totals). Each part is
one or two queries, whatever the number of disputes, invoices or requests.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, render_template, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from billing.collections.ageing import BUCKETS, DAY_BUCKETS, receivables_totals
from billing.core.clock import provider_date, utcnow
from billing.dashboards import workload
from billing.disputes import tiers
from billing.invoicing import run_lifecycle
from portal.collections.ageing_pages import chart as ageing_chart
from portal.disputes.queue import tier_counts
from portal.extensions import db
from portal.reconciliation.labels import EXCEPTION_LABELS
from reports.labels import AGEING_HEADINGS


def dashboard_page():
    if not current_user.is_billing_staff:  # admins' work is users and compliance
        abort(404)
    return render_template("dashboards/staff.html",
                           **staff_dashboard(db.session, current_user, utcnow()),
                           buckets=BUCKETS, headings=AGEING_HEADINGS,
                           exception_labels=EXCEPTION_LABELS)


def staff_dashboard(session: Session, user, now: datetime) -> dict:
    """Everything the staff dashboard shows."""
    counts = tier_counts(session, user, now)
    queue = [{"tier": tier, "active": counts.get(tier.id, (0, 0))[0],
              "overdue": counts.get(tier.id, (0, 0))[1]} for tier in tiers.all_tiers(session)]
    totals = receivables_totals(session, provider_date(now))
    return {
        "queue": queue, "runs": _runs(session, now),
        "exceptions": workload.open_exceptions(session),
        "receivables": [{"currency": currency, "sums": sums,
                         "collectible": sum(sums[b] for b in DAY_BUCKETS),
                         "chart": ageing_chart(currency, sums)}
                        for currency, sums in totals.items()],
        "waiting": workload.waiting_credit_requests(session),
    }


def _runs(session: Session, now: datetime) -> list[dict]:
    """The runs at work, each with what the progress bar macro needs."""
    runs = []
    for run in workload.active_invoice_runs(session):
        stopped = run_lifecycle.is_stalled(run, now)
        runs.append(_run(run, _("Invoice run %(period)s", period=run.period.key),
                         url_for("staff.runs.run", run_id=run.id),
                         url_for("staff.runs.progress", run_id=run.id), stopped))
    for run in workload.active_reconciliation_runs(session):
        pages = ("staff.reconciliation" if run.kind == "payments"
                 else "staff.rebiller_reconciliation")
        name = (_("Payment reconciliation: %(input)s", input=run.input_label)
                if run.kind == "payments"
                else _("Rebiller reconciliation: %(input)s", input=run.input_label))
        runs.append(_run(run, name, url_for(f"{pages}.run", run_id=run.id),
                         url_for(f"{pages}.progress", run_id=run.id), False))
    for later in [r for r in runs if r["progress"]["active"]][1:]:
        later["progress"]["active"] = False  # the page follows one bar and reloads after it
    return runs


def _run(run, name: str, url: str, progress_url: str, stopped: bool) -> dict:
    if stopped:
        label = _("Stopped: its worker has not reported for a while.")
    elif run.total:
        label = _("%(done)s of %(total)s done", done=format_number(run.done),
                  total=format_number(run.total))
    else:
        label = _("Starting…")
    return {"run": run, "name": name, "url": url, "progress_url": progress_url,
            "bar_id": f"progress-{run.__tablename__}-{run.id}",
            "progress": {"active": not stopped, "label": label}}
