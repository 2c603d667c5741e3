"""The page-started payment reconciliation, in the background (`portal.jobs`).

The upload was checked whole before the run was recorded; here it is staged, tied and
finished, the progress committed about once a second so the run page's bar moves. Should
anything fail, the run records why, and starting the same inputs again starts it afresh.
The job `reconciliation.payments` (portal/jobs.py) calls `reconcile_run`.
"""

from __future__ import annotations

import io
from datetime import datetime

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_runs import reconcile, reconcile_file
from billing.reconciliation.payment_sync import sync_lines
from billing.reconciliation.runs import fail_run, record_progress
from portal.extensions import db
from portal.payments.settings import stripe_settings
from portal.tasks import enqueue


def reconcile_in_background(run_id: int, *,
                            window: tuple[datetime, datetime] | None = None) -> None:
    """Start the job `reconciliation.payments` (a worker's, or a thread's here). A file's
    run reads the file kept beside it (`runs.keep_input`)."""
    since, until = (moment.isoformat() for moment in window) if window else (None, None)
    enqueue("reconciliation.payments", run_id=run_id, since=since, until=until)


def reconcile_run(run_id: int, *, data: bytes | None = None,
                  window: tuple[datetime, datetime] | None = None) -> None:
    """Do the run of a file's bytes or a sync window, committing as it goes."""
    session = db.session
    run = session.get(ReconciliationRun, run_id)
    try:
        def progress(rows):
            _progress(run, rows)

        if data is not None:
            staged = reconcile_file(session, run, io.BytesIO(data), utcnow(), progress)
        else:
            lines = sync_lines(stripe_settings(), *window)
            run.total = len(lines)
            staged = reconcile(session, run, lines, utcnow(), progress)
        if not staged.ok:
            first = staged.errors[0]
            raise InvalidInput(f"line {first.row}, {first.column}: {first.message}")
        session.commit()
    except Exception as error:
        session.rollback()
        fail_run(session.get(ReconciliationRun, run_id),
                 why=getattr(error, "message", None) or str(error) or type(error).__name__,
                 now=utcnow())
        session.commit()
        raise


def _progress(run: ReconciliationRun, rows: int) -> None:
    if record_progress(run, done=rows, total=max(run.total, rows), now=utcnow()):
        db.session.commit()
