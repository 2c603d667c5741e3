"""Background jobs: invoice runs drafted and issued by a thread of the web process.

This is the embedded default of the design (in-process jobs); each job gets its own app
context, hence its own database session. A job that dies with its process leaves its
run active but silent, and the run pages offer to start it again.
"""

from __future__ import annotations

import threading

from flask import current_app

from billing.core.clock import BillPeriod, utcnow
from billing.invoicing import runs
from portal.extensions import db


def draft_in_background(period: BillPeriod, started_by: str) -> None:
    _start(f"draft {period.key}", lambda: runs.draft_period(
        db.session, period, started_by=started_by, now=utcnow()))


def issue_in_background(period: BillPeriod) -> None:
    _start(f"issue {period.key}", lambda: runs.issue_period(db.session, period, now=utcnow()))


def _start(name: str, job) -> None:
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            try:
                job()
            except Exception:  # the run stays active, goes silent, and can be restarted
                app.logger.exception("background job %r failed", name)

    threading.Thread(target=work, name=f"job: {name}", daemon=True).start()
