"""The partner's dashboard: its customers by CPNI approval, what the approving ones owe,
its disputes and SLA credit requests by state, its commission, and twelve-month charts.

The CPNI cut: every amount on this page is summed over the accounts whose approval for
this partner is in force, and only over them; the page says how many they are. No figure
over all customers stands beside it (that difference would be the withheld amount).
Counts of accounts, disputes and requests by state are not CPNI. The partner's own
commission is its money; the rebiller's own wholesale account is its own bill, not a
customer, and is left out of every customer figure. Showing the approving accounts'
amounts is a disclosure of each one's CPNI, logged as the ageing page logs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.collections.ageing import DAY_BUCKETS, DISPUTED, receivables_totals
from billing.commissions import months as calendar_months
from billing.core.clock import provider_date, utcnow
from billing.dashboards import monthly, workload
from billing.disputes.models import DISPUTE_STATES, Dispute
from billing.parties.models import Customer
from billing.sla.models import REQUEST_STATES
from portal import access, access_sets
from portal.commissions.presenters import overview
from portal.dashboards.charts import money_charts
from portal.disputes.labels import STATE_LABELS as DISPUTE_LABELS
from portal.extensions import db
from portal.sla.labels import REQUEST_STATE_LABELS

CPNI_STATES = ("active", "none", "revoked", "expired")
CPNI_STATE_LABELS = {"active": _l("Approved"), "none": _l("Never approved"),
                     "revoked": _l("Revoked"), "expired": _l("Expired")}
LATE_BUCKETS = DAY_BUCKETS[1:]


@dataclass(frozen=True)
class Owed:
    """What the approving accounts owe in one currency (minor units)."""

    currency: str
    open_minor: int  # unpaid, held in dispute included
    held_minor: int
    overdue_minor: int


def dashboard_page():
    now = utcnow()
    html = render_template("dashboards/partner.html",
                           **partner_dashboard(db.session, current_user, now),
                           state_labels=CPNI_STATE_LABELS, dispute_labels=DISPUTE_LABELS,
                           request_labels=REQUEST_STATE_LABELS)
    db.session.commit()  # the disclosure log
    return html


def partner_dashboard(session: Session, user, now: datetime) -> dict:
    """Everything the partner dashboard shows, cut by the user's access; logs the
    approving accounts' disclosure (the caller commits). A constant number of queries,
    none of them loading a row per customer or invoice."""
    months = calendar_months.recent(now, 12)
    # The approving accounts as the policy's own clause: no list of thousands of ids in
    # each of the statements that sum their amounts.
    scope = access_sets.approving_customers(session, user, now)
    in_reach = select(Customer.id).where(access.customer_scope(session, user))
    states = access_sets.approval_state_counts(session, user, now)
    approved = states["active"]
    if approved:
        access_sets.record_approving_disclosures(session, user, scope, surface="page",
                                                 subject="dashboard", now=now)
    commission = None if user.partner.kind == "wholesale" else overview(session, user, now)
    return {
        "states": {state: states[state] for state in CPNI_STATES}, "approved": approved,
        "owed": _owed(session, scope if approved else None, provider_date(now)),
        "billed_charts": money_charts(
            monthly.billed_by_month(session, scope, months) if approved else {},
            prefix="chart-billed",
            title=lambda c: _("Billed to approving customers per month, %(currency)s",
                              currency=c)),
        "disputes": _counted(workload.disputes_by_status(
            session, access.disputes_query(session, user).with_only_columns(Dispute.id)),
            DISPUTE_STATES),
        "requests": _counted(workload.credit_requests_by_status(session, in_reach),
                             REQUEST_STATES),
        "commission": commission,
        "commission_charts": money_charts(
            commission["chart"], prefix="chart-commission",
            title=lambda c: _("Commission per month, %(currency)s", currency=c))
        if commission else [],
    }


def _owed(session: Session, scope, today) -> list[Owed]:
    """Per currency, the approving accounts' open, held and overdue amounts today, from
    the receivables ageing's totals (the same figures as the ageing page)."""
    totals = receivables_totals(session, today, scope) if scope is not None else {}
    return [Owed(currency, sum(sums.values()), sums[DISPUTED],
                 sum(sums[b] for b in LATE_BUCKETS))
            for currency, sums in totals.items()]


def _counted(counts: dict[str, int], states) -> list[tuple[str, int]]:
    return [(state, counts.get(state, 0)) for state in states]
