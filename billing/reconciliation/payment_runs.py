"""A payment reconciliation run, from its inputs to its figures.

`start_payment_run` finds or starts the run of these inputs (`runs.start_run`): the same
file or window again returns the run already made, and nothing is recorded twice. A
failed run started again loses what it had staged and is done afresh. `reconcile` (a sync
window's rows) and `reconcile_file` (a report) then stage the input into the run's items,
tie them (`payment_matching`; a clean report on PostgreSQL comes staged and tied in one
pass, `payment_onepass`), and finish the run with its figures; each flushes, and
its caller commits (the CLI once at the end, so a bad row leaves nothing; the page's
background job through `progress`, its input having been checked whole before the run
started).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.reconciliation import payment_input
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_copy import stage_copy
from billing.reconciliation.payment_matching import ITEM, figures, tie_items
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from billing.reconciliation.runs import Started, finish_run, start_run

KIND = "payments"


def sync_key(since: datetime, until: datetime) -> str:
    """The input key of a sync window: "sync:<from>/<to>" in UTC ISO 8601."""
    return f"sync:{since.isoformat()}/{until.isoformat()}"


def start_payment_run(session: Session, *, input_key: str, input_label: str,
                      started_by: str, now: datetime, total: int = 0,
                      window: tuple[datetime, datetime] | None = None) -> Started:
    """The run of these inputs: the one already recorded, or a new (or restarted) one.
    A sync window must have ended by `now`: one still open would be recorded as done, and
    the same window asked for later would answer that run, missing what came after."""
    if window is not None and window[1] > now:
        raise InvalidInput("The sync window ends in the future: choose an end that has "
                           "passed.", code="future_window")
    details = {"input_label": input_label[:300]}
    if window is not None:
        details.update(window_start=window[0], window_end=window[1])
    started = start_run(session, kind=KIND, input_key=input_key, started_by=started_by,
                        now=now, **details)
    if started.created:
        clear_staged(session, started.run.id)
        started.run.total = total
    return started


def clear_staged(session: Session, run_id: int) -> None:
    """What an earlier attempt of this run staged and found (it failed, or its worker died
    and the job is done again)."""
    session.execute(delete(ReconciliationException)
                    .where(ReconciliationException.run_id == run_id))
    session.execute(delete(ReconciliationItem).where(ReconciliationItem.run_id == run_id))


def reconcile_file(session: Session, run: ReconciliationRun, stream: BinaryIO,
                   now: datetime, progress: Callable[[int], None] = lambda rows: None
                   ) -> payment_input.Staged:
    """`reconcile` a report file; on PostgreSQL staged by COPY and set-based checks
    (`payment_copy`), elsewhere (or when COPY cannot read it as it is) row by row."""
    staged = None
    if session.get_bind().dialect.name == "postgresql":
        staged = stage_copy(session, run.id, stream, now, progress)
    if staged is None:
        staged = payment_input.stage(session, run.id, payment_input.report_lines(stream),
                                     now, progress)
    return _finish(session, run, staged, now)


def reconcile(session: Session, run: ReconciliationRun, lines: Iterable[tuple[int, dict]],
              now: datetime, progress: Callable[[int], None] = lambda rows: None
              ) -> payment_input.Staged:
    """Stage these rows (a sync window's), tie them and finish the run. When the result
    is not `ok`, nothing is tied and the caller rolls back."""
    return _finish(session, run, payment_input.stage(session, run.id, lines, now, progress),
                   now)


def _finish(session: Session, run: ReconciliationRun, staged: payment_input.Staged,
            now: datetime) -> payment_input.Staged:
    if not staged.ok:
        return staged
    if staged.figures is None:
        tie_items(session, run.id)
    run.total = staged.rows
    finish_run(run, figures=staged.figures if staged.figures is not None
               else figures(session, run.id), now=now)
    session.flush()
    return staged


def fees(session: Session, run_id: int) -> list[tuple[str, str, int]]:
    """(currency, month, expense in minor units) of the run: Stripe's fee on every
    transaction, and the fee transactions themselves (their gross is negative)."""
    fee_gross = case((ITEM.c.item_class == "fee", ITEM.c.gross_minor), else_=0)
    expense = func.sum(ITEM.c.fee_minor) - func.sum(fee_gross)
    return [(currency, month, int(total)) for currency, month, total in session.execute(
        select(ITEM.c.currency, ITEM.c.month, expense)
        .where(ITEM.c.run_id == run_id)
        .group_by(ITEM.c.currency, ITEM.c.month)
        .order_by(ITEM.c.currency, ITEM.c.month))]


def payouts(session: Session, run_id: int) -> list[dict]:
    """Each payout of the run: what it paid out, the gross, fees and net of the
    transactions carrying its id, and whether they add up."""
    paid = ITEM.alias("paid")
    rows = session.execute(
        select(ITEM.c.id, ITEM.c.source_id, ITEM.c.currency, ITEM.c.created_utc,
               ITEM.c.gross_minor, func.count(paid.c.id),
               func.coalesce(func.sum(paid.c.gross_minor), 0),
               func.coalesce(func.sum(paid.c.fee_minor), 0),
               func.coalesce(func.sum(paid.c.net_minor), 0))
        .outerjoin(paid, (paid.c.run_id == ITEM.c.run_id) & (paid.c.payout_id == ITEM.c.source_id)
                   & (paid.c.reporting_category != "payout"))
        .where(ITEM.c.run_id == run_id, ITEM.c.reporting_category == "payout")
        .group_by(ITEM.c.id, ITEM.c.source_id, ITEM.c.currency, ITEM.c.created_utc,
                  ITEM.c.gross_minor)
        .order_by(ITEM.c.created_utc, ITEM.c.id))
    return [{"item_id": item_id, "payout_id": payout_id, "currency": currency, "at": at,
             "amount_minor": -amount, "count": count, "gross_minor": int(gross),
             "fee_minor": int(fee), "net_minor": int(net), "adds_up": int(net) == -amount}
            for item_id, payout_id, currency, at, amount, count, gross, fee, net in rows]
