"""Invoice runs: draft every bill-to account of a period, then issue the drafts.

A run is idempotent and resumable: accounts are drafted in chunks, each read in a few
queries and committed as one transaction (one invoice per customer and period is
enforced by a unique index), so a run stopped half-way loses at most the chunk it was
in, and started again drafts only what is missing; a second run of a finished period
creates nothing. An account that fails is left out of its chunk and reported, never
sinking the others. Issuing also goes a chunk per transaction.
Both passes write how far they got to the run's row (`run_tracking`), so a page can
follow a run started from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, selectinload

from billing.catalog.pricing import PriceBooks
from billing.core.clock import BillPeriod
from billing.core.db import begin_writing
from billing.invoicing.draft_inputs import DraftInputs
from billing.invoicing.drafting import build_draft, save_drafts
from billing.invoicing.issuing import issue_drafts
from billing.invoicing.models import Invoice
from billing.invoicing.run_tracking import RunProgress, latest_run
from billing.invoicing.usage_models import InvoiceRun
from billing.parties.bill_to import receives_own_invoice
from billing.parties.models import Customer

CHUNK = 500  # accounts (or drafts) per transaction: fewer round trips, bounded memory


@dataclass
class RunResult:
    run_id: int
    drafted: int = 0
    skipped: int = 0  # already invoiced for the period, or nothing to bill
    failed: list[tuple[str, str]] = field(default_factory=list)  # (account, why)


def bill_to_accounts(session: Session, period: BillPeriod) -> list[int]:
    """Accounts that receive their own invoice and have none for this period yet."""
    invoiced = select(Invoice.customer_id).where(Invoice.period_end == period.end)
    query = select(Customer.id).where(
        receives_own_invoice(),
        Customer.id.not_in(invoiced),
    ).order_by(Customer.account_number)
    return list(session.scalars(query))


def _run_record(session: Session, period: BillPeriod, started_by: str, now) -> InvoiceRun:
    run = latest_run(session, period.end)
    if run is None:
        run = InvoiceRun(period_end=period.end, started_by=started_by, started_at=now)
        session.add(run)
    run.state = "running"
    try:
        session.commit()
    except IntegrityError:  # another start opened the period's run meanwhile: join it
        session.rollback()
        return _run_record(session, period, started_by, now)
    return run


def draft_period(session: Session, period: BillPeriod, *, started_by: str, now: datetime,
                 progress: Callable[[int, int], None] = lambda done, total: None,
                 chunk_size: int = CHUNK) -> RunResult:
    """Draft the invoices of a period that do not exist yet, a chunk of accounts at a time.

    `progress(done, total)` is called after each chunk is committed.
    """
    run = _run_record(session, period, started_by, now)
    accounts = bill_to_accounts(session, period)
    result = RunResult(run.id)
    books = PriceBooks.load(session)
    tracker = RunProgress(session, run.id, "running", len(accounts))
    for start in range(0, len(accounts), chunk_size):
        chunk = accounts[start:start + chunk_size]
        _draft_chunk(session, chunk, period, now, result, books)
        progress(start + len(chunk), len(accounts))
        tracker.step(start + len(chunk))
    run = session.get(InvoiceRun, result.run_id)
    run.drafted += result.drafted
    run.failures = [list(failure) for failure in result.failed]
    tracker.finish(run, "drafted")
    session.commit()
    return result


def _draft_chunk(session, account_ids, period, now, result: RunResult, books) -> None:
    """Draft a chunk of accounts in one transaction, its drafts written all at once.

    An account whose drafting fails is left out and reported. If the database refuses
    the chunk's rows (another run drafted one of them meanwhile, or a row breaks a
    constraint), the chunk is redone with a savepoint per account, so that only the
    account at fault is rolled back.
    """
    try:
        done = _draft_accounts(session, account_ids, period, now, books, savepoints=False)
    except DBAPIError:
        session.rollback()
        done = _draft_accounts(session, account_ids, period, now, books, savepoints=True)
    result.drafted += done.drafted
    result.skipped += done.skipped
    result.failed += done.failed


def _draft_accounts(session, account_ids, period, now, books, savepoints: bool) -> RunResult:
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
                 progress: Callable[[int, int], None] = lambda done, total: None,
                 chunk_size: int = CHUNK) -> int:
    """Issue every draft of the period in account order, a chunk per transaction.

    `progress(done, total)` is called after each chunk is committed.
    """
    drafts = list(session.scalars(
        select(Invoice.id).join(Invoice.customer)
        .where(Invoice.period_end == period.end, Invoice.status == "draft")
        .order_by(Customer.account_number)))
    run = latest_run(session, period.end)
    tracker = RunProgress(session, run.id if run else None, "issuing", len(drafts))
    issued = 0
    for start in range(0, len(drafts), chunk_size):
        chunk = drafts[start:start + chunk_size]
        issued += issue_drafts(session, chunk, now)
        session.commit()
        progress(start + len(chunk), len(drafts))
        tracker.step(start + len(chunk))
    if run is not None:
        run.issued += issued
        tracker.finish(run, "issued")
        session.commit()
    return issued
