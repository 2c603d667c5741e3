"""Background jobs: the work of a claimed invoice run, in a thread of the web process.

`run_invoice_period(app, run_id)` is the job itself: the CLI calls it in the foreground,
the staff pages in a thread (the embedded default of the design), and a Celery task
could call it as it is. Each call gets its own app context, hence its own database
session. A job that fails records why on its run, which the run pages then offer to start
again; one that dies with its process leaves its run active but silent, and after a while
the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask, current_app

from billing.core.clock import utcnow
from billing.invoicing import runs
from portal.extensions import db


def run_invoice_period(app: Flask, run_id: int,
                       progress: runs.Progress = runs.ignore_progress) -> runs.RunResult:
    """Do the pass (drafting or issuing) of a run its caller has claimed, to its end."""
    with app.app_context():
        return runs.work_on_run(db.session, run_id, now=utcnow(), progress=progress)


def run_in_background(run_id: int) -> None:
    """Start `run_invoice_period` for a claimed run in a daemon thread, and return at once."""
    app = current_app._get_current_object()
    start_in_background(f"invoice run {run_id}", lambda: run_invoice_period(app, run_id))


def start_in_background(name: str, job: Callable[[], object]) -> None:
    """Run `job` in a daemon thread inside its own app context (its own database session),
    and return at once. A job records its own failure on its run record; what escapes it
    is logged. Any long job of the pages (reconciliation, batches) starts here."""
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            try:
                job()
            except Exception:
                app.logger.exception("%s failed", name)
            finally:
                db.session.remove()

    threading.Thread(target=work, name=name, daemon=True).start()
