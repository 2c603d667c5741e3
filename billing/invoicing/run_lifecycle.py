"""The life of an invoice run's record: claim, progress, resume, finish. The one module
that changes a run's state, whoever does the work (the staff page's job, the CLI, later a
worker).

- Claim: starting or issuing takes the period's run with one conditional UPDATE, and a
  period has at most one active run (a partial unique index), so a second claimer, in
  this process or another, is told the run is taken, or that its invoices were issued
  and there is nothing to do, and the run's record is left exactly as it was.
- Progress: the worker writes how far it got to the run's row, where pages read it.
- Resume: a worker that stops writing (its process was killed) or records its own
  failure leaves an active run that may be claimed again; drafting then resumes, since
  it drafts only the accounts that have no invoice yet.
- Finish: the pass's counts and failures, and the state it reached.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.core.clock import BillPeriod, provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.invoicing.models import Invoice
from billing.invoicing.usage_models import ACTIVE_RUN_STATES, InvoiceRun

SAVE_EVERY = timedelta(seconds=1)
STALLED_AFTER = timedelta(minutes=2)  # far longer than any one account takes


class Claim(NamedTuple):
    """The period's run, and whether the caller now owns it and must do its work."""

    run: InvoiceRun
    claimed: bool

    @property
    def nothing_to_do(self) -> bool:
        """Refused because the period's invoices have been issued: not an error."""
        return not self.claimed and self.run.state == "issued"


class RunProgress:
    """Writes a pass's progress to its run: at the start, then at most once per SAVE_EVERY.

    A write per account would add a commit to every draft, for a page that polls once a
    second. `run_id` None (a period issued without a run record) writes nothing.
    """

    def __init__(self, session: Session, run_id: int | None, state: str, total: int,
                 clock: Callable[[], datetime] = utcnow):
        self.session, self.run_id, self.clock = session, run_id, clock
        self._save(self.clock(), state=state, total=total, done=0)

    def step(self, done: int) -> None:
        now = self.clock()
        if now - self.saved_at >= SAVE_EVERY:
            self._save(now, done=done)

    def finish(self, run: InvoiceRun, state: str) -> None:
        """Mark the pass complete on `run`; the caller commits it with its own counts."""
        run.state, run.done = state, run.total
        run.finished_at = run.progress_at = self.clock()

    def _save(self, now: datetime, **values) -> None:
        self.saved_at = now
        if self.run_id is None:
            return
        self.session.execute(update(InvoiceRun).where(InvoiceRun.id == self.run_id)
                             .values(progress_at=self.saved_at, **values))
        self.session.commit()


def latest_run(session: Session, period_end: date) -> InvoiceRun | None:
    return session.scalars(select(InvoiceRun).where(InvoiceRun.period_end == period_end)
                           .order_by(InvoiceRun.id.desc())).first()


def is_stalled(run: InvoiceRun, now: datetime) -> bool:
    """Active, but its worker stopped: it recorded a failure, or has long written nothing."""
    return run.state in ACTIVE_RUN_STATES and (
        run.finished_at is not None or run.progress_at is None
        or run.progress_at < now - STALLED_AFTER)


def claim_drafting(session: Session, period: BillPeriod, *, started_by: str,
                   now: datetime) -> Claim:
    """Claim a period that has begun for drafting; see `claim_period`."""
    if not period.has_begun(provider_date(now)):
        raise InvalidInput(f"The bill period {period.key} has not begun yet; "
                           f"it starts on {period.start.isoformat()}.")
    return claim_period(session, period, started_by=started_by, now=now)


def claim_period(session: Session, period: BillPeriod, *, started_by: str,
                 now: datetime) -> Claim:
    """The period's run, claimed for drafting if no live worker has it and it is not issued.

    A drafted run is taken again (drafting then adds only what is missing, such as an
    account corrected since); a run whose worker stopped is taken over and resumes. A
    refused claim changes nothing. Callers that choose `now` themselves (seeders, tests)
    use this one; people start runs through `claim_drafting`.
    """
    run = latest_run(session, period.end)
    if run is None:
        return _open_run(session, period, started_by, now)
    free = or_(InvoiceRun.state == "drafted",
               and_(InvoiceRun.state.in_(ACTIVE_RUN_STATES), _stalled(now)))
    claimed = _claim(session, run.id, free, now, state="running", started_by=started_by,
                     started_at=now, finished_at=None, total=0, done=0)
    return Claim(_fresh(session, run.id), claimed)


def claim_issuing(session: Session, run_id: int, *, now: datetime) -> bool:
    """Whether the caller now owns the issuing of this run's drafts.

    Only a drafted run, or one whose issuing worker stopped, can be claimed: a second
    click finds it issuing (or issued) and gets False, and the run is left as it was.
    """
    free = or_(InvoiceRun.state == "drafted",
               and_(InvoiceRun.state == "issuing", _stalled(now)))
    return _claim(session, run_id, free, now, state="issuing", finished_at=None,
                  total=0, done=0)


def finish_drafting(session: Session, tracker: RunProgress, drafted: int,
                    failures: list[tuple[str, str]]) -> None:
    """Record a drafting pass that went through every account, and commit it."""
    run = _fresh(session, tracker.run_id)
    run.drafted += drafted
    run.failures = [list(failure) for failure in failures]
    tracker.finish(run, "drafted")
    session.commit()


def finish_issuing(session: Session, tracker: RunProgress, issued: int) -> None:
    """Record an issuing pass that issued every draft, and commit it."""
    if tracker.run_id is None:
        return
    run = _fresh(session, tracker.run_id)
    run.issued += issued
    run.failures = _accounts_only(run.failures)  # a stop that was resumed is over
    tracker.finish(run, "issued")
    session.commit()


def record_stop(session: Session, run_id: int, why: str, *, drafted: int = 0, issued: int = 0,
                failures: list[tuple[str, str]] | None = None,
                now: datetime | None = None) -> None:
    """Record that a pass stopped before its end, with why, so that it may be claimed again.

    The run stays active (its pass is not done) but carries a finish time, which marks it
    stopped at once rather than after STALLED_AFTER of silence. The counts are those of the
    chunks the pass committed. `failures`, the accounts a drafting pass failed before it
    stopped, replace the run's; None keeps them (issuing fails no account). The stop itself
    is listed without an account. Commits, since it must outlive the pass.
    """
    run = _fresh(session, run_id)
    kept = _accounts_only(run.failures) if failures is None else [list(f) for f in failures]
    run.failures = [*kept, ["", why]]
    run.drafted += drafted
    run.issued += issued
    run.finished_at = run.progress_at = now or utcnow()
    session.commit()


def drafts_waiting(session: Session, period_end: date) -> int:
    """How many invoices of the period are drafts, which issuing the period would issue."""
    return session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.period_end == period_end, Invoice.status == "draft"))


def _open_run(session: Session, period: BillPeriod, started_by: str, now: datetime) -> Claim:
    run = InvoiceRun(period_end=period.end, state="running", started_by=started_by,
                     started_at=now, progress_at=now)
    session.add(run)
    try:
        session.commit()
    except IntegrityError:  # a second click opened the period's run first
        session.rollback()
        return Claim(latest_run(session, period.end), False)
    return Claim(run, True)


def _claim(session: Session, run_id: int, free, now: datetime, **values) -> bool:
    result = session.execute(update(InvoiceRun).where(InvoiceRun.id == run_id, free)
                             .values(progress_at=now, **values)
                             .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def _accounts_only(failures: list | None) -> list:
    return [failure for failure in failures or [] if failure[0]]


def _fresh(session: Session, run_id: int) -> InvoiceRun:
    return session.get(InvoiceRun, run_id, populate_existing=True)


def _stalled(now: datetime):
    return or_(InvoiceRun.finished_at.is_not(None), InvoiceRun.progress_at.is_(None),
               InvoiceRun.progress_at < now - STALLED_AFTER)


def plan_pass(session: Session, run_id: int, total: int, now: datetime) -> None:
    """Record a drafting pass planned in slices: `total` accounts, none done yet.

    Part of the caller's transaction, like the two below: the slices and their counts go
    to the database together.
    """
    session.execute(update(InvoiceRun).where(InvoiceRun.id == run_id)
                    .values(total=total, done=0, progress_at=now)
                    .execution_options(synchronize_session=False))


def count_slice_done(session: Session, run_id: int, accounts: int, now: datetime) -> None:
    """Add a drafted slice's accounts to its run's progress.

    The UPDATE locks the run's row until the caller commits, so slices finishing at once
    on several workers take turns, and the last one of them sees every other one done.
    """
    session.execute(update(InvoiceRun).where(InvoiceRun.id == run_id)
                    .values(done=InvoiceRun.done + accounts, progress_at=now)
                    .execution_options(synchronize_session=False))


def finish_sliced_drafting(session: Session, run_id: int, drafted: int,
                           failures: list[list[str]], now: datetime) -> None:
    """Record a drafting pass whose every slice is done, as `finish_drafting` does."""
    run = _fresh(session, run_id)
    run.drafted += drafted
    run.failures = failures
    run.state, run.done = "drafted", run.total
    run.finished_at = run.progress_at = now
