"""Invoice runs as others follow them: how far a run got, and who may work on it.

A run's worker writes its progress to the run's row, where pages read it. A worker that
stops writing (its process was killed) leaves an active run behind, which may be started
again and then resumes. Starting or issuing claims the run with one conditional UPDATE,
and a period has at most one active run (a partial unique index), so a second click,
in this process or another, never adds a second worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.core.clock import BillPeriod, provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.invoicing.models import Invoice
from billing.invoicing.usage_models import ACTIVE_RUN_STATES, InvoiceRun

SAVE_EVERY = timedelta(seconds=1)
STALLED_AFTER = timedelta(minutes=2)  # far longer than any one account takes


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
    """Active, but its worker has written nothing for a long while: it has stopped."""
    return run.state in ACTIVE_RUN_STATES and (
        run.progress_at is None or run.progress_at < now - STALLED_AFTER)


def claim_drafting(session: Session, period: BillPeriod, *, started_by: str,
                   now: datetime) -> tuple[InvoiceRun, bool]:
    """The period's run, and whether the caller now owns it and must start its worker.

    False means a live worker already has it. A run whose worker stopped is taken over;
    drafting then resumes, since it only drafts what is missing.
    """
    if not period.has_begun(provider_date(now)):
        raise InvalidInput(f"The bill period {period.key} has not begun yet; "
                           f"it starts on {period.start.isoformat()}.")
    run = latest_run(session, period.end)
    if run is None:
        return _open_run(session, period, started_by, now)
    free = or_(InvoiceRun.state.not_in(ACTIVE_RUN_STATES), _stalled(now))
    claimed = _claim(session, run.id, free, now, state="running", started_by=started_by,
                     started_at=now, finished_at=None, total=0, done=0)
    return session.get(InvoiceRun, run.id), claimed


def claim_issuing(session: Session, run_id: int, *, now: datetime) -> bool:
    """Whether the caller now owns the issuing of this run's drafts.

    Only a drafted run, or one whose issuing worker stopped, can be claimed: a second
    click finds it issuing (or issued) and gets False.
    """
    free = or_(InvoiceRun.state == "drafted",
               and_(InvoiceRun.state == "issuing", _stalled(now)))
    return _claim(session, run_id, free, now, state="issuing", total=0, done=0)


def drafts_waiting(session: Session, period_end: date) -> int:
    """How many invoices of the period are drafts, which issuing the period would issue."""
    return session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.period_end == period_end, Invoice.status == "draft"))


def _open_run(session: Session, period: BillPeriod, started_by: str, now: datetime):
    run = InvoiceRun(period_end=period.end, state="running", started_by=started_by,
                     started_at=now, progress_at=now)
    session.add(run)
    try:
        session.commit()
    except IntegrityError:  # a second click opened the period's run first
        session.rollback()
        return latest_run(session, period.end), False
    return run, True


def _claim(session: Session, run_id: int, free, now: datetime, **values) -> bool:
    result = session.execute(update(InvoiceRun).where(InvoiceRun.id == run_id, free)
                             .values(progress_at=now, **values)
                             .execution_options(synchronize_session=False))
    session.commit()
    return result.rowcount == 1


def _stalled(now: datetime):
    return or_(InvoiceRun.progress_at.is_(None), InvoiceRun.progress_at < now - STALLED_AFTER)
