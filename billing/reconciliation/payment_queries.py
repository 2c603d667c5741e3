"""What the payment reconciliation pages, files and chart read: runs, items, exceptions,
and the amounts per class over the last months.

The chart counts each balance transaction once however many runs read it (the latest
run's reading wins), so overlapping windows or a report read again do not add up twice.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem

ITEM = ReconciliationItem

# The chart's series, each a group of classes; amounts are shown unsigned.
CHART_SERIES = {
    "received": ("matched", "partial", "overpaid"),
    "exceptions": ("unmatched", "duplicate", "unknown_charge", "unknown_reversal",
                   "payout_mismatch"),
    "reversed": ("refund", "chargeback", "chargeback_reversal", "refunded"),
    "fees": ("fee",),
    "settled": ("written_off", "explained", "adjustment"),
}


def payment_runs(session: Session):
    """The query of payment runs, newest first (for paging)."""
    return select(ReconciliationRun).where(ReconciliationRun.kind == "payments") \
        .order_by(ReconciliationRun.started_at.desc(), ReconciliationRun.id.desc())


def open_exception_count(session: Session, run_id: int) -> int:
    return session.scalar(select(func.count()).select_from(ReconciliationException).where(
        ReconciliationException.run_id == run_id, ReconciliationException.status == "open"))


def exceptions_query(*, status: str | None = None, run_id: int | None = None):
    """Exceptions with their items, oldest run first, in file order."""
    query = select(ReconciliationException, ReconciliationItem).join(ReconciliationItem)
    if status:
        query = query.where(ReconciliationException.status == status)
    if run_id:
        query = query.where(ReconciliationException.run_id == run_id)
    return query.order_by(ReconciliationException.run_id, ReconciliationItem.line)


def run_items(session: Session, run_id: int):
    """The run's items in file order, streamed (a run may hold a million)."""
    return session.scalars(select(ReconciliationItem).where(ReconciliationItem.run_id == run_id)
                           .order_by(ReconciliationItem.line)
                           .execution_options(yield_per=2_000))


def payout_items(run_id: int, payout_id: str):
    """The query of the run's transactions that one payout paid out, in file order."""
    return select(ReconciliationItem).where(
        ReconciliationItem.run_id == run_id, ReconciliationItem.payout_id == payout_id,
        ReconciliationItem.reporting_category != "payout").order_by(ReconciliationItem.line)


def monthly_amounts(session: Session, currency: str, months: list[str]) -> dict:
    """{month: {series: amount_minor unsigned}} over these months, in one currency."""
    latest = select(func.max(ITEM.id)).where(
        ITEM.currency == currency, ITEM.month.in_(months)).group_by(ITEM.balance_transaction_id)
    series_of = {cls: name for name, classes in CHART_SERIES.items() for cls in classes}
    found = {month: dict.fromkeys(CHART_SERIES, 0) for month in months}
    for month, cls, amount in session.execute(
            select(ITEM.month, ITEM.item_class, func.sum(ITEM.gross_minor))
            .where(ITEM.id.in_(latest)).group_by(ITEM.month, ITEM.item_class)):
        if cls in series_of:
            found[month][series_of[cls]] += abs(int(amount))
    return found


def currencies_seen(session: Session) -> list[str]:
    return sorted(session.scalars(select(ITEM.currency).distinct()))
