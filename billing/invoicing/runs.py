"""Invoice runs: draft every bill-to account of a period, then issue the drafts.

A run is idempotent and resumable: accounts are drafted in chunks, each read in a few
queries and committed as one transaction (one invoice per customer and period is
enforced by a unique index), so a run stopped half-way loses at most the chunk it was
in, and started again drafts only what is missing; a second run of a finished period
creates nothing. An account that fails is left out of its chunk and reported, never
sinking the others. Issuing also goes a chunk per transaction: a long job commits per
chunk, so that the page can follow it and a stop loses little.

This module does the work; the run's record (who may work on it, how far it got, how it
ended) is `run_lifecycle`'s. `work_on_run` is the one entry point of a claimed run's
work in one go, as the CLI does it; `run_slices` cuts the same drafting pass into slices,
drafted side by side by workers (without them, one after the other by the page's job).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from billing.catalog.pricing import PriceBooks
from billing.core.clock import BillPeriod
from billing.core.db import begin_writing
from billing.invoicing.draft_inputs import DraftInputs
from billing.invoicing.drafting import build_draft, save_drafts
from billing.invoicing.issuing import issue_drafts
from billing.invoicing.models import Invoice
from billing.invoicing.run_lifecycle import (
    RunProgress,
    claim_issuing,
    claim_period,
    finish_drafting,
    finish_issuing,
    latest_run,
    record_stop,
)
from billing.invoicing.usage_models import InvoiceRun
from billing.parties.bill_to import receives_own_invoice
from billing.parties.models import Customer

CHUNK = 500  # accounts (or drafts) per transaction: fewer round trips, bounded memory


Progress = Callable[[int, int], None]
Settle = Callable[[Session, "RunResult"], None]


def ignore_progress(done: int, total: int) -> None:
    """The default progress callback: nobody is watching."""


@dataclass
class RunResult:
    run_id: int | None
    drafted: int = 0
    skipped: int = 0  # already invoiced for the period, or nothing to bill
    failed: list[tuple[str, str]] = field(default_factory=list)  # (account, why)
    issued: int = 0
    claimed: bool = True  # False: someone else has the run, or it is issued; nothing done


def bill_to_accounts(session: Session, period: BillPeriod) -> list[int]:
    """Accounts that receive their own invoice and have none for this period yet."""
    invoiced = select(Invoice.customer_id).where(Invoice.period_end == period.end)
    query = select(Customer.id).where(
        receives_own_invoice(),
        Customer.id.not_in(invoiced),
    ).order_by(Customer.account_number)
    return list(session.scalars(query))


def draft_period(session: Session, period: BillPeriod, *, started_by: str, now: datetime,
                 progress: Progress = ignore_progress, chunk_size: int = CHUNK) -> RunResult:
    """Claim the period's run and draft it here, in the caller's process.

    A refused claim (a live worker has the run, or its invoices are issued) drafts nothing
    and returns `claimed` False. `progress(done, total)` is called after each chunk.
    """
    run, claimed = claim_period(session, period, started_by=started_by, now=now)
    if not claimed:
        return RunResult(run.id, claimed=False)
    return draft_run(session, run.id, now=now, progress=progress, chunk_size=chunk_size)


def work_on_run(session: Session, run_id: int, *, now: datetime,
                progress: Progress = ignore_progress, chunk_size: int = CHUNK) -> RunResult:
    """Do the pass a claimed run is in, drafting or issuing, and record how it ended.

    A run in no pass (drafted, issued) was not claimed: a late or repeated job, say a
    retried task, does nothing and leaves it as it is.
    """
    state = session.get(InvoiceRun, run_id, populate_existing=True).state
    if state == "issuing":
        return issue_run(session, run_id, now=now, progress=progress, chunk_size=chunk_size)
    if state == "running":
        return draft_run(session, run_id, now=now, progress=progress, chunk_size=chunk_size)
    return RunResult(run_id, claimed=False)


def draft_run(session: Session, run_id: int, *, now: datetime, progress: Progress = ignore_progress,
              chunk_size: int = CHUNK) -> RunResult:
    """Draft the invoices of a claimed run's period that do not exist yet, a chunk at a time.

    `progress(done, total)` is called after each chunk is committed. A pass that stops on
    an error records it on the run, which may then be claimed again and resumes.
    """
    result = RunResult(run_id)
    with _recording_a_stop(session, result):
        period = session.get(InvoiceRun, run_id).period
        accounts = bill_to_accounts(session, period)
        books = PriceBooks.load(session)
        tracker = RunProgress(session, run_id, "running", len(accounts))
        for start in range(0, len(accounts), chunk_size):
            chunk = accounts[start:start + chunk_size]
            _draft_chunk(session, chunk, period, now, result, books)
            progress(start + len(chunk), len(accounts))
            tracker.step(start + len(chunk))
        finish_drafting(session, tracker, result.drafted, result.failed)
    return result


@contextmanager
def _recording_a_stop(session: Session, result: RunResult,
                      drafting: bool = True) -> Iterator[None]:
    """Record on the run why its pass stopped (an error, an interrupt), then let it go on."""
    try:
        yield
    except BaseException as error:
        session.rollback()
        if result.run_id is not None:
            with suppress(SQLAlchemyError):  # the database may be what failed: keep its error
                record_stop(session, result.run_id, str(error) or type(error).__name__,
                            drafted=result.drafted, issued=result.issued,
                            failures=result.failed if drafting else None)
        raise


def _draft_chunk(session, account_ids, period, now, result: RunResult, books,
                 settle: Settle | None = None) -> None:
    """Draft a chunk of accounts in one transaction, its drafts written all at once.

    `settle(session, done)`, if given, runs in that transaction just before its commit,
    with the chunk's counts: what it writes is committed with the drafts or not at all.

    An account whose drafting fails is left out and reported. If the database refuses
    the chunk's rows (another run drafted one of them meanwhile, or a row breaks a
    constraint), the chunk is redone with a savepoint per account, so that only the
    account at fault is rolled back.
    """
    try:
        done = _draft_accounts(session, account_ids, period, now, books, False, settle)
    except DBAPIError:
        session.rollback()
        done = _draft_accounts(session, account_ids, period, now, books, True, settle)
    result.drafted += done.drafted
    result.skipped += done.skipped
    result.failed += done.failed


def _draft_accounts(session, account_ids, period, now, books, savepoints: bool,
                    settle: Settle | None) -> RunResult:
    begin_writing(session)
    accounts = session.scalars(select(Customer).where(Customer.id.in_(account_ids))
                               .options(selectinload(Customer.partner))).all()
    accounts.sort(key=lambda account: account.account_number)
    inputs = DraftInputs.load(session, accounts, period)
    done = RunResult(0)
    try:
        drafts = [_draft_one(session, inputs, account, period, now, books, done, savepoints)
                  for account in accounts]
        if not savepoints:  # nothing is written yet: write every draft at once
            save_drafts(session, [invoice for invoice in drafts if invoice is not None])
        if settle is not None:
            settle(session, done)
        session.commit()
    except BaseException:
        session.rollback()  # a stopped chunk is dropped whole, even if the session lives on
        raise
    return done


def _draft_one(session, inputs, account, period, now, books, done: RunResult,
               savepoint: bool) -> Invoice | None:
    # Without a savepoint nothing reaches the database before the chunk's commit, so an
    # account that fails here leaves nothing behind.
    try:
        with session.begin_nested() if savepoint else session.no_autoflush:
            invoice = build_draft(inputs, account, period, now, books)
            if invoice is not None and savepoint:
                save_drafts(session, [invoice])
    except IntegrityError as error:
        if _invoiced(session, account.id, period):
            done.skipped += 1  # another run drafted it meanwhile
        else:
            done.failed.append((account.account_number, str(error.orig).splitlines()[0]))
        return None
    except Exception as error:  # noqa: BLE001 - one bad account must not stop the run
        done.failed.append((account.account_number, str(error)))
        return None
    if invoice is None:
        done.skipped += 1  # nothing to bill
    else:
        done.drafted += 1
    return invoice


def _invoiced(session, account_id: int, period: BillPeriod) -> bool:
    return session.scalar(select(Invoice.id).where(
        Invoice.customer_id == account_id, Invoice.period_end == period.end)) is not None


def issue_period(session: Session, period: BillPeriod, *, now: datetime,
                 progress: Progress = ignore_progress, chunk_size: int = CHUNK) -> int:
    """Claim the issuing of the period's run and issue its drafts here; how many were issued.

    A refused claim (still drafting, being issued, or issued) issues nothing and leaves
    the run as it was. Drafts made without a run (one by one) are issued without a record.
    """
    run = latest_run(session, period.end)
    if run is None:
        return _issue(session, period, None, now, progress, chunk_size)
    if not claim_issuing(session, run.id, now=now):
        return 0
    return issue_run(session, run.id, now=now, progress=progress, chunk_size=chunk_size).issued


def issue_run(session: Session, run_id: int, *, now: datetime, progress: Progress = ignore_progress,
              chunk_size: int = CHUNK) -> RunResult:
    """Issue the drafts of a run claimed for issuing, in account order, a chunk at a time."""
    period = session.get(InvoiceRun, run_id).period
    return RunResult(run_id, issued=_issue(session, period, run_id, now, progress, chunk_size))


def _issue(session, period: BillPeriod, run_id: int | None, now, progress, chunk_size) -> int:
    result = RunResult(run_id)
    with _recording_a_stop(session, result, drafting=False):
        drafts = list(session.scalars(
            select(Invoice.id).join(Invoice.customer)
            .where(Invoice.period_end == period.end, Invoice.status == "draft")
            .order_by(Customer.account_number)))
        tracker = RunProgress(session, run_id, "issuing", len(drafts))
        for start in range(0, len(drafts), chunk_size):
            chunk = drafts[start:start + chunk_size]
            issued = issue_drafts(session, chunk, now)
            session.commit()
            result.issued += issued
            progress(start + len(chunk), len(drafts))
            tracker.step(start + len(chunk))
        finish_issuing(session, tracker, result.issued)
    return result.issued
