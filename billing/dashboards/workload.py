"""Counts of the work waiting, for the dashboards: disputes and SLA credit requests by
state, reconciliation exceptions still open, and the runs a worker is busy with.

Each function is one query. States and counts are not CPNI (they say whether, never how
much); the exception amounts are staff's aggregate over every account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from billing.disputes.models import Dispute
from billing.invoicing.usage_models import ACTIVE_RUN_STATES, InvoiceRun
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_models import ReconciliationException
from billing.sla.models import SlaCreditRequest


@dataclass(frozen=True)
class OpenExceptions:
    """Open reconciliation exceptions of one kind and currency."""

    kind: str
    currency: str
    count: int
    amount_minor: int


@dataclass(frozen=True)
class WaitingRequests:
    """SLA credit requests waiting for a decision, and when the oldest was filed."""

    count: int
    oldest_at: datetime | None


def disputes_by_status(session: Session, dispute_ids: Select) -> dict[str, int]:
    """{status: count} of the disputes in `dispute_ids` (a select of ids)."""
    return dict(session.execute(
        select(Dispute.status, func.count()).where(Dispute.id.in_(dispute_ids))
        .group_by(Dispute.status)).all())


def credit_requests_by_status(session: Session, customer_ids: Select) -> dict[str, int]:
    """{status: count} of the SLA credit requests of the accounts in `customer_ids`."""
    return dict(session.execute(
        select(SlaCreditRequest.status, func.count())
        .where(SlaCreditRequest.customer_id.in_(customer_ids))
        .group_by(SlaCreditRequest.status)).all())


def waiting_credit_requests(session: Session) -> WaitingRequests:
    """Every account's SLA credit requests still pending, and the oldest one's filing."""
    count, oldest = session.execute(
        select(func.count(), func.min(SlaCreditRequest.requested_at))
        .where(SlaCreditRequest.status == "pending")).one()
    return WaitingRequests(int(count), oldest)


def open_exceptions(session: Session) -> list[OpenExceptions]:
    """Open reconciliation exceptions per kind and currency, with the amount at stake."""
    rows = session.execute(
        select(ReconciliationException.kind, ReconciliationException.currency, func.count(),
               func.sum(ReconciliationException.amount_minor))
        .where(ReconciliationException.status == "open")
        .group_by(ReconciliationException.kind, ReconciliationException.currency)
        .order_by(ReconciliationException.kind, ReconciliationException.currency))
    return [OpenExceptions(kind, currency, int(count), int(amount or 0))
            for kind, currency, count, amount in rows]


def active_invoice_runs(session: Session) -> list[InvoiceRun]:
    """Invoice runs drafting or issuing (or stopped while at it), oldest period first."""
    return list(session.scalars(select(InvoiceRun).where(
        InvoiceRun.state.in_(ACTIVE_RUN_STATES)).order_by(InvoiceRun.period_end, InvoiceRun.id)))


def active_reconciliation_runs(session: Session) -> list[ReconciliationRun]:
    """Reconciliation runs of either kind still running, the earliest started first."""
    return list(session.scalars(select(ReconciliationRun).where(
        ReconciliationRun.state == "running").order_by(ReconciliationRun.started_at,
                                                       ReconciliationRun.id)))
