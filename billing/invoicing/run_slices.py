"""A run's drafting pass in slices, for workers that draft side by side.

`plan_slices` cuts the accounts still without an invoice into slices and records them;
each worker task then calls `draft_slice` for one. A slice is drafted and marked done in
one transaction, so a task delivered twice (a worker died after its commit but before it
acknowledged the message) finds its slice done and does nothing, and a worker that dies
mid-slice leaves it undone, for the redelivered task to draft. The run's record counts
the slices' accounts as they finish, and the last slice to finish closes the pass.

Planning again (a stalled run claimed anew) replaces the slices: what the old plan's
done slices drafted is added to the run, tasks of the old plan find their slices gone
and do nothing, and the new plan holds only what is still undrafted.
In one process without workers the same slices are simply drafted one after the other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from billing.catalog.pricing import PriceBooks
from billing.core.db import begin_writing
from billing.invoicing import run_lifecycle
from billing.invoicing.models import Invoice
from billing.invoicing.runs import CHUNK, RunResult, _draft_chunk, bill_to_accounts
from billing.invoicing.usage_models import InvoiceRun, InvoiceRunSlice
from billing.parties.models import Customer


class _SliceTaken(Exception):
    """Another delivery of the task did this slice, or the run was planned again."""


def plan_slices(session: Session, run_id: int, *, now: datetime,
                size: int = CHUNK) -> list[int]:
    """Cut a run claimed for drafting into slices of `size` accounts; their ids.

    A run no longer drafting gets no slices (a late or repeated task). A run with nothing
    left to draft is finished at once. Commits: a task may look for a slice at once.
    """
    begin_writing(session)
    run = session.get(InvoiceRun, run_id, populate_existing=True, with_for_update=True)
    if run is None or run.state != "running":
        session.rollback()
        return []
    run.drafted += _drafted_by_slices(session, run_id)  # an earlier plan's, kept on the run
    session.execute(delete(InvoiceRunSlice).where(InvoiceRunSlice.run_id == run_id))
    session.flush()
    accounts = bill_to_accounts(session, run.period)
    slices = [InvoiceRunSlice(run_id=run_id, accounts=accounts[start:start + size],
                              drafted=0, failures=[])
              for start in range(0, len(accounts), size)]
    session.add_all(slices)
    run_lifecycle.plan_pass(session, run_id, len(accounts), now)
    if not slices:
        run_lifecycle.finish_sliced_drafting(session, run_id, 0, [], now)
    session.commit()
    return [piece.id for piece in slices]


def draft_slice(session: Session, slice_id: int, *, now: datetime) -> bool:
    """Draft the accounts of a slice that have no invoice yet and mark it done; whether
    this call did it (False: done already, planned away, or its run stopped drafting)."""
    piece = session.get(InvoiceRunSlice, slice_id, populate_existing=True)
    if piece is None or piece.done_at is not None:
        session.rollback()
        return False
    run = session.get(InvoiceRun, piece.run_id, populate_existing=True)
    if run.state != "running":
        session.rollback()
        return False
    run_id, period, size = run.id, run.period, len(piece.accounts)
    pending = _without_invoice(session, piece.accounts, period.end)
    books = PriceBooks.load(session)
    session.rollback()  # end the reads; drafting opens its own writing transaction

    def settle(session: Session, done: RunResult) -> None:
        if not _mark_done(session, run_id, slice_id, size, done, now):
            raise _SliceTaken

    try:
        _draft_chunk(session, pending, period, now, RunResult(run_id), books, settle)
    except _SliceTaken:
        return False
    return True


def open_slices(session: Session, run_id: int) -> list[int]:
    """The ids of a run's slices not yet drafted, in plan order."""
    return list(session.scalars(select(InvoiceRunSlice.id).where(
        InvoiceRunSlice.run_id == run_id, InvoiceRunSlice.done_at.is_(None))
        .order_by(InvoiceRunSlice.id)))


def _without_invoice(session: Session, account_ids: list[int], period_end) -> list[int]:
    invoiced = select(Invoice.customer_id).where(Invoice.period_end == period_end)
    return list(session.scalars(select(Customer.id).where(
        Customer.id.in_(account_ids), Customer.id.not_in(invoiced))))


def _mark_done(session: Session, run_id: int, slice_id: int, size: int, done: RunResult,
               now: datetime) -> bool:
    """In the slice's drafting transaction: count it on its run (which locks the run's
    row first), mark it done, and close the pass if it was the last; False if the slice
    was done or planned away meanwhile."""
    run_lifecycle.count_slice_done(session, run_id, size, now)
    marked = session.execute(
        update(InvoiceRunSlice)
        .where(InvoiceRunSlice.id == slice_id, InvoiceRunSlice.done_at.is_(None))
        .values(done_at=now, drafted=done.drafted, failures=[list(f) for f in done.failed])
        .execution_options(synchronize_session=False))
    if marked.rowcount != 1:
        return False
    if not open_slices(session, run_id):
        _close_pass(session, run_id, now)
    return True


def _drafted_by_slices(session: Session, run_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(InvoiceRunSlice.drafted), 0))
                          .where(InvoiceRunSlice.run_id == run_id))


def _close_pass(session: Session, run_id: int, now: datetime) -> None:
    drafted = _drafted_by_slices(session, run_id)
    failures = [failure for (found,) in session.execute(
        select(InvoiceRunSlice.failures).where(InvoiceRunSlice.run_id == run_id)
        .order_by(InvoiceRunSlice.id)) for failure in found]
    run_lifecycle.finish_sliced_drafting(session, run_id, drafted, failures, now)
    session.execute(delete(InvoiceRunSlice).where(InvoiceRunSlice.run_id == run_id))
