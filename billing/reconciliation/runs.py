"""The life of a reconciliation run's record: find or start, progress, finish, fail.

One module changes a run's state, whichever kind of run it is. `start_run` looks for the
run of the same kind and inputs first, so the same file or window reconciled again
returns the run already made (and `created` False) instead of recording a second; two
starts at once meet the unique constraint and the loser gets the winner's run. A failed
run may be started again: it is reset and reused; so may a run left running whose
process died (nothing written for STALLED_AFTER, far longer than any chunk of a run).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing.core.db import begin_writing
from billing.reconciliation.models import ReconciliationInput, ReconciliationRun

SAVE_EVERY = timedelta(seconds=1)
STALLED_AFTER = timedelta(minutes=5)


class Started(NamedTuple):
    run: ReconciliationRun
    created: bool  # False: these inputs were reconciled already (or are being)


def find_run(session: Session, kind: str, input_key: str) -> ReconciliationRun | None:
    return session.scalar(select(ReconciliationRun).where(
        ReconciliationRun.kind == kind, ReconciliationRun.input_key == input_key))


def start_run(session: Session, *, kind: str, input_key: str, started_by: str,
              now: datetime, **details) -> Started:
    """The run of these inputs: the one already recorded, or a new one in state running.

    `details` are the run's other columns (input_label, partner_id, period_start, ...).
    """
    # On SQLite the savepoint below would otherwise begin, and its release commit, the
    # whole transaction (billing/core/db.py, begin_writing).
    begin_writing(session)
    existing = find_run(session, kind, input_key)
    if existing is not None and not (existing.state == "failed" or is_stalled(existing, now)):
        return Started(existing, False)
    if existing is not None:
        _reset(existing, started_by, now, details)
        session.flush()
        return Started(existing, True)
    run = ReconciliationRun(kind=kind, input_key=input_key, started_by=started_by,
                            started_at=now, state="running", total=0, done=0,
                            figures={}, failure="", **details)
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:  # another start of the same inputs won
        return Started(find_run(session, kind, input_key), False)
    return Started(run, True)


def is_stalled(run: ReconciliationRun, now: datetime) -> bool:
    """Running, but nothing written for STALLED_AFTER: its process died."""
    last = run.progress_at or run.started_at
    return run.state == "running" and last < now - STALLED_AFTER


def _reset(run: ReconciliationRun, started_by: str, now: datetime, details: dict) -> None:
    run.state, run.started_by, run.started_at = "running", started_by, now
    run.finished_at, run.failure, run.total, run.done = None, "", 0, 0
    run.figures = {}
    for name, value in details.items():
        setattr(run, name, value)


def record_progress(run: ReconciliationRun, *, done: int, total: int, now: datetime,
                    force: bool = False) -> bool:
    """Set how far the run got, at most once per SAVE_EVERY unless `force`; True when it
    wrote, so the caller knows a commit would show it to the polling page."""
    if not force and run.progress_at is not None and now - run.progress_at < SAVE_EVERY:
        return False
    run.done, run.total, run.progress_at = done, total, now
    return True


def finish_run(run: ReconciliationRun, *, figures: dict, now: datetime) -> None:
    run.state, run.figures, run.finished_at = "done", figures, now
    run.done = run.total


def fail_run(run: ReconciliationRun, *, why: str, now: datetime) -> None:
    run.state, run.failure, run.finished_at = "failed", why[:500], now


def add_to_figures(figures: dict, cls: str, currency: str, amount_minor: int,
                   count: int = 1) -> None:
    """Count one item of `cls` in `currency` with its amount into `figures`, in place."""
    entry = figures.setdefault(cls, {}).setdefault(currency, {"count": 0, "amount_minor": 0})
    entry["count"] += count
    entry["amount_minor"] += amount_minor


def keep_input(session: Session, run: ReconciliationRun, *, file_name: str, data: bytes,
               now: datetime) -> None:
    """Keep the file a run is to read (replacing what a failed attempt kept)."""
    kept = session.get(ReconciliationInput, run.id)
    if kept is None:
        session.add(ReconciliationInput(run_id=run.id, file_name=file_name[:300], data=data,
                                        received_at=now))
    else:
        kept.file_name, kept.data, kept.received_at = file_name[:300], data, now
    session.flush()


def input_of(session: Session, run_id: int) -> bytes | None:
    """The file the run reads, or None for a run of a sync window or the portal's books."""
    kept = session.get(ReconciliationInput, run_id)
    return kept.data if kept is not None else None
