"""The monthly commission run, and its approval (DESIGN section 9).

`run_month` is idempotent: it holds the month's run row locked while it works, records
every allocation row it considers (`CommissionEvent`) and writes lines under the unique
(partner, allocation, category) key with ON CONFLICT DO NOTHING, so a second run of a
month, or two at once, add nothing twice. Money recorded after a month was approved is
earned in the month whose run next sees it, never by rewriting the closed month.
`approve_run` closes a month once it is over and fixes each partner's payable total per
currency. Both flush; the caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from billing.commissions import gathering, months
from billing.commissions.calculation import MoneyEvent, commission_lines
from billing.commissions.models import CommissionEvent, CommissionLine, CommissionRun
from billing.core.db import insert_if_missing, locked_row
from billing.core.errors import InvalidInput, NotFound

CHUNK = 2_000  # invoices per step of the progress bar and per insert


@dataclass(frozen=True)
class RunResult:
    run: CommissionRun
    events_seen: int
    lines_added: int


def run_month(session: Session, month: str, now: datetime, *, started_by: str = "cli",
              progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Earn the commission on the month's money not yet earned on; see the module."""
    month = months.parse_month(month)
    if months.bounds(month)[0] > now:
        raise InvalidInput(f"{month} has not begun.", code="month_not_begun")
    run = _claim(session, month, now, started_by)
    events = gathering.uncovered_events(session, month)
    by_invoice = defaultdict(list)
    for event in events:
        by_invoice[event.invoice_id].append(event)
    invoice_ids = list(by_invoice)
    paths, added = gathering.Paths(session), 0
    for done in range(0, len(invoice_ids), CHUNK):
        chunk = invoice_ids[done:done + CHUNK]
        chunk_events = [event for invoice_id in chunk for event in by_invoice[invoice_id]]
        _record_seen(session, run, chunk_events)
        added += _earn(session, run, paths, chunk, by_invoice, chunk_events)
        if progress:
            progress(min(done + CHUNK, len(invoice_ids)), len(invoice_ids))
    run.events_seen += len(events)
    run.lines_added += added
    run.last_run_at = now
    session.flush()
    return RunResult(run, len(events), added)


def approve_run(session: Session, month: str, by: str, now: datetime) -> CommissionRun:
    """Close a month that is over: fix each partner's payable total per currency."""
    month = months.parse_month(month)
    found = session.scalar(select(CommissionRun.id).where(CommissionRun.month == month))
    if found is None:
        raise NotFound(f"No commission run for {month}.")
    run = locked_row(session, CommissionRun, found)
    if run.status == "approved":
        raise InvalidInput(f"The commission of {month} is already approved.",
                           code="run_closed")
    if now < months.bounds(month)[1]:
        raise InvalidInput(f"{month} is not over yet.", code="month_not_over")
    run.payables = payables(session, run.id)
    run.status, run.approved_by, run.approved_at = "approved", by, now
    session.flush()
    return run


def payables(session: Session, run_id: int) -> list[dict]:
    """Each partner's total per currency in one run, partner and currency order."""
    rows = session.execute(
        select(CommissionLine.partner_id, CommissionLine.currency,
               func.sum(CommissionLine.amount_minor))
        .where(CommissionLine.run_id == run_id)
        .group_by(CommissionLine.partner_id, CommissionLine.currency)
        .order_by(CommissionLine.partner_id, CommissionLine.currency))
    return [{"partner_id": partner_id, "currency": currency, "amount_minor": int(amount)}
            for partner_id, currency, amount in rows]


def _claim(session: Session, month: str, now: datetime, started_by: str) -> CommissionRun:
    """The month's run row, created if missing, locked: a second run waits here for the
    first to commit, then finds its events already considered."""
    insert_if_missing(session, CommissionRun, "month", month=month, status="draft",
                      started_by=started_by[:200], started_at=now, last_run_at=now,
                      events_seen=0, lines_added=0, payables=[])
    run_id = session.scalar(select(CommissionRun.id).where(CommissionRun.month == month))
    run = locked_row(session, CommissionRun, run_id)
    if run.status == "approved":
        raise InvalidInput(f"The commission of {month} is approved; money recorded since "
                           "is earned in the next month's run.", code="run_closed")
    return run


def _record_seen(session: Session, run: CommissionRun, events) -> None:
    """Note these allocation rows as considered (none was: the run's lock is held)."""
    if not events:
        return
    if session.get_bind().dialect.name == "postgresql":
        raw = session.connection().connection.driver_connection  # the same transaction
        with raw.cursor() as cursor, cursor.copy(
                "COPY commission_event (allocation_id, run_id) FROM STDIN") as copy:
            for event in events:
                copy.write_row((event.allocation_id, run.id))
        return
    session.execute(insert(CommissionEvent), [
        {"allocation_id": event.allocation_id, "run_id": run.id} for event in events])


def _earn(session: Session, run: CommissionRun, paths: gathering.Paths, invoice_ids,
          by_invoice, events) -> int:
    """Compute and insert the lines of these invoices' events; returns how many."""
    splits = gathering.splits(session, invoice_ids)
    dates = gathering.rate_dates(session, events)
    rows = []
    for invoice_id in invoice_ids:
        chunk = by_invoice[invoice_id]
        first = chunk[0]
        if first.partner_id is None:
            continue
        money = [MoneyEvent(event, event.amount_minor, dates[event.allocation_id])
                 for event in chunk]
        for line in commission_lines(paths.of(first.partner_id), splits[invoice_id], money):
            event = line.event_key
            rows.append(dict(
                run_id=run.id, month=run.month, partner_id=line.partner_id,
                customer_id=event.customer_id, invoice_id=invoice_id,
                allocation_id=event.allocation_id, reversal_id=event.reversal_id,
                category=line.category, basis_minor=line.basis_minor, rate=line.rate,
                amount_minor=line.amount_minor, currency=event.currency, at=event.at))
    return _insert_lines(session, rows)


LINE_COLUMNS = ("run_id", "month", "partner_id", "customer_id", "invoice_id", "allocation_id",
                "reversal_id", "category", "basis_minor", "rate", "amount_minor", "currency",
                "at")
LINE_KEY = ("partner_id", "allocation_id", "category")


def _insert_lines(session: Session, rows: list[dict]) -> int:
    """Insert the lines not there yet; returns how many were new. On PostgreSQL through
    COPY into a temporary table and one INSERT ... SELECT (a big multi-row INSERT costs
    more to build than to run)."""
    if not rows:
        return 0
    table = CommissionLine.__table__
    if session.get_bind().dialect.name != "postgresql":
        statement = sqlite_insert(table).on_conflict_do_nothing(
            index_elements=list(LINE_KEY)).returning(table.c.id)
        return len(session.connection().execute(statement, rows).all())
    names = ", ".join(LINE_COLUMNS)
    session.execute(text("CREATE TEMPORARY TABLE new_commission_line AS SELECT "
                         f"{names} FROM commission_line WITH NO DATA"))
    raw = session.connection().connection.driver_connection  # the same transaction
    with raw.cursor() as cursor, cursor.copy(
            f"COPY new_commission_line ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in LINE_COLUMNS])
    added = session.execute(text(
        f"INSERT INTO commission_line ({names}) SELECT {names} FROM new_commission_line "
        f"ON CONFLICT ({', '.join(LINE_KEY)}) DO NOTHING")).rowcount
    session.execute(text("DROP TABLE new_commission_line"))
    return added
