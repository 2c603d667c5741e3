"""Invoice runs: draft every bill-to account of a period, then issue the drafts.

A run is idempotent and resumable: each account's invoice is drafted and committed on
its own (one invoice per customer and period is enforced by a unique index), so a run
stopped half-way and started again drafts only what is missing, and a second run of a
finished period creates nothing. Both passes write how far they got to the run's row
(`run_tracking`), so a page can follow a run started from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.clock import BillPeriod
from billing.invoicing import draft_invoice
from billing.issuing import issue_invoice
from billing.models import Customer, Invoice, InvoiceRun
from billing.pricing import PriceBooks
from billing.run_tracking import RunProgress, latest_run


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
        or_(Customer.parent_id.is_(None), Customer.pays_own_charges.is_(True)),
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
                 progress: Callable[[int, int], None] = lambda done, total: None) -> RunResult:
    """Draft the invoices of a period that do not exist yet, one transaction each."""
    run = _run_record(session, period, started_by, now)
    accounts = bill_to_accounts(session, period)
    result = RunResult(run.id)
    books = PriceBooks.load(session)
    tracker = RunProgress(session, run.id, "running", len(accounts))
    for done, account_id in enumerate(accounts, 1):
        _draft_one(session, account_id, period, now, result, books)
        progress(done, len(accounts))
        tracker.step(done)
    run = session.get(InvoiceRun, result.run_id)
    run.drafted += result.drafted
    run.failures = [list(failure) for failure in result.failed]
    tracker.finish(run, "drafted")
    session.commit()
    return result


def _draft_one(session, account_id, period, now, result: RunResult, books) -> None:
    account = session.get(Customer, account_id)
    try:
        invoice = draft_invoice(session, account, period, now, books)
        session.commit()
    except IntegrityError:
        session.rollback()  # another run drafted it meanwhile
        result.skipped += 1
        return
    except Exception as error:  # noqa: BLE001 - one bad account must not stop the run
        session.rollback()
        result.failed.append((account.account_number, str(error)))
        return
    if invoice is None:
        result.skipped += 1
    else:
        result.drafted += 1


def issue_period(session: Session, period: BillPeriod, *, now: datetime,
                 progress: Callable[[int, int], None] = lambda done, total: None) -> int:
    """Issue every draft of the period, in account order, one transaction each."""
    drafts = list(session.scalars(
        select(Invoice.id).join(Invoice.customer)
        .where(Invoice.period_end == period.end, Invoice.status == "draft")
        .order_by(Customer.account_number)))
    run = latest_run(session, period.end)
    tracker = RunProgress(session, run.id if run else None, "issuing", len(drafts))
    for done, invoice_id in enumerate(drafts, 1):
        issue_invoice(session, invoice_id, now)
        session.commit()
        progress(done, len(drafts))
        tracker.step(done)
    if run is not None:
        run.issued += len(drafts)
        tracker.finish(run, "issued")
        session.commit()
    return len(drafts)
