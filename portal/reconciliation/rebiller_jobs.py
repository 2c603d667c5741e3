"""Doing a started rebiller run to its end: in the foreground (CLI), or in a thread of the
web process for the pages, its checked rows handed over in memory (a rebiller run takes
well under a second for 2,000 end customers; payment runs are worker jobs).

The job commits after each chunk of rows whenever the run's progress is due to be shown,
so a page polling the run sees it move; a failure is recorded on the run, which may then
be started again with the same inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from billing.core.clock import utcnow
from billing.core.errors import DomainError
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller_file import RetailLine
from billing.reconciliation.rebiller_runs import reconcile_rebiller
from billing.reconciliation.runs import fail_run, record_progress
from portal.extensions import db
from portal.jobs import start_in_background


def do_rebiller_run(run_id: int, now: datetime, lines: list[RetailLine] | None,
                    progress: Callable[[int, int], None] = lambda done, total: None) -> None:
    session = db.session
    run = session.get(ReconciliationRun, run_id)

    def report(done: int, total: int) -> None:
        if record_progress(run, done=done, total=total, now=utcnow(), force=done == total):
            session.commit()
        progress(done, total)

    try:
        reconcile_rebiller(session, run, now=now, lines=lines, progress=report)
        session.commit()
    except Exception as error:
        session.rollback()
        fail_run(session.get(ReconciliationRun, run_id), why=_why(error), now=utcnow())
        session.commit()
        raise


def _why(error: Exception) -> str:
    """What the run's page and API may say of a failure: the rebiller reads it, so a
    database's or library's own text (which can quote the rows written, of every end
    customer) is not repeated; the error itself goes to the log."""
    if isinstance(error, DomainError):
        return error.message
    return "an internal error (the operators have the details in the log)"


def start_rebiller_job(run_id: int, now: datetime, lines: list[RetailLine] | None) -> None:
    """Do the run in a thread of this process with the rows the page checked."""
    start_in_background(f"rebiller reconciliation {run_id}",
                        lambda: do_rebiller_run(run_id, now, lines))
