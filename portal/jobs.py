"""Background jobs: the long and scheduled work, each a thin call of the domain function
its command calls, then a commit.

Each job is registered by name (`JOBS`); `portal.tasks` makes every one a Celery task of
the same name, and `portal.tasks.enqueue(name, **kwargs)` starts one: on a Celery worker
when a broker is configured, otherwise in a thread of this process (the embedded
default, which needs no Redis). A job runs inside an app context whose session it may
commit; its arguments are plain JSON values. Every job is safe to run twice, since a
worker that dies before acknowledging its task has it delivered again: each one either
claims its record first or does only what is still undone.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.disputes import escalation
from billing.invoicing import run_lifecycle, run_slices, runs
from billing.invoicing.usage_models import InvoiceRun, InvoiceRunSlice
from portal.extensions import db

JOBS: dict[str, Callable[..., object]] = {}


def job(name: str):
    """Register a function as the job (and Celery task) `name`."""
    def register(function):
        JOBS[name] = function
        return function
    return register


def run_invoice_period(app: Flask, run_id: int,
                       progress: runs.Progress = runs.ignore_progress) -> runs.RunResult:
    """Do the pass (drafting or issuing) of a run its caller has claimed, in one go here:
    the command line's way, with its progress bar."""
    with app.app_context():
        return runs.work_on_run(db.session, run_id, now=utcnow(), progress=progress)


def run_in_background(run_id: int) -> None:
    """Start the pass of a claimed run as the job `invoices.run`, and return at once."""
    from portal.tasks import enqueue

    enqueue("invoices.run", run_id=run_id)


@job("invoices.run")
def invoice_run(run_id: int) -> None:
    """The pass a claimed run is in. Issuing goes in this one job, since invoice numbers
    are gapless per series; drafting is cut into slices, one job each, that workers
    draft side by side (in-process, one after the other)."""
    from portal.tasks import fan_out

    run = db.session.get(InvoiceRun, run_id, populate_existing=True)
    state = run.state if run is not None else None
    if state == "issuing":
        runs.work_on_run(db.session, run_id, now=utcnow())
    elif state == "running":
        size = current_app.config["INVOICE_RUN_SLICE_SIZE"]
        try:
            slices = run_slices.plan_slices(db.session, run_id, now=utcnow(), size=size)
        except Exception as error:
            _record_stop(run_id, error)
            raise
        fan_out("invoices.draft_slice", [{"slice_id": slice_id} for slice_id in slices])


@job("invoices.draft_slice")
def draft_slice(slice_id: int) -> None:
    """Draft one slice of a run. An error is recorded on the run, whose page then shows
    it stopped and why, and offers to start it again (which plans what is undrafted)."""
    try:
        run_slices.draft_slice(db.session, slice_id, now=utcnow())
    except Exception as error:
        db.session.rollback()
        run_id = db.session.scalar(select(InvoiceRunSlice.run_id)
                                   .where(InvoiceRunSlice.id == slice_id))
        if run_id is not None:
            _record_stop(run_id, error)
        raise


@job("statements.batch")
def statement_batch(batch_id: int) -> None:
    """Plan a statement batch's slices and send them to the workers (in-process, render
    them one after the other)."""
    from portal.tasks import fan_out
    from reports import statement_batches

    config = current_app.config
    try:
        slices = statement_batches.plan_slices(
            db.session, batch_id, now=utcnow(), size=config["STATEMENT_BATCH_SLICE_SIZE"],
            root=Path(config["STATEMENT_BATCH_DIR"]))
    except Exception as error:
        statement_batches.record_failure(db.session, batch_id, str(error) or type(error).__name__)
        raise
    fan_out("statements.batch_slice", [{"slice_id": slice_id} for slice_id in slices])


@job("statements.batch_slice")
def statement_batch_slice(slice_id: int) -> None:
    """Render one slice of a statement batch; the last one writes the ZIP. An error marks
    the batch failed, and its page offers to ask for it again."""
    from billing.invoicing.statement_batch_models import StatementBatchSlice
    from reports import statement_batches
    from reports.documents import DocumentSettings

    config = current_app.config
    try:
        statement_batches.render_slice(
            db.session, slice_id, now=utcnow(), settings=DocumentSettings.from_config(config),
            root=Path(config["STATEMENT_BATCH_DIR"]))
    except Exception as error:
        db.session.rollback()
        batch_id = db.session.scalar(select(StatementBatchSlice.batch_id)
                                     .where(StatementBatchSlice.id == slice_id))
        if batch_id is not None:
            statement_batches.record_failure(db.session, batch_id,
                                             str(error) or type(error).__name__)
        raise


def _record_stop(run_id: int, error: Exception) -> None:
    """Say on the run why its pass stopped; the page then offers to start it again."""
    db.session.rollback()
    run_lifecycle.record_stop(db.session, run_id, str(error) or type(error).__name__)


@job("disputes.escalate")
def escalate_disputes() -> int:
    """`flask disputes escalate`: escalate every overdue dispute and notify."""
    from portal.disputes.notices import notify
    from portal.notices import deliver_now

    done = escalation.escalate_overdue(db.session, utcnow(), notify=notify)
    if done and current_app.config["MAIL_DELIVERY"] == "inline":
        deliver_now()
    return len(done)


@job("mail.deliver")
def deliver_mail(batch: int = 100) -> int:
    """`flask mail deliver`: send the outbox's due messages, retrying failures."""
    from portal.notices import deliver_backlog

    return deliver_backlog(batch).sent


@job("payments.sync")
def sync_payments(hours: int = 72) -> int:
    """`flask payments sync`: record the Stripe payments and refunds no webhook brought."""
    from billing.payments.models import Payment
    from billing.payments.stripe_sync import sync_recent
    from portal.payments import notices
    from portal.payments.settings import stripe_settings

    settings = stripe_settings()
    if settings is None:
        return 0  # no Stripe configured: nothing to ask
    now = utcnow()
    result = sync_recent(db.session, settings, now - timedelta(hours=hours), now)
    for payment_id in result.payments:
        notices.send_receipt(db.session.get(Payment, payment_id))
    db.session.commit()
    for problem in result.problems:
        current_app.logger.error("payments sync: not recorded: %s", problem)
    return len(result.payments)


@job("commissions.run")
def run_commissions(month: str, started_by: str = "worker") -> int:
    """`flask commissions run`: earn the commission of a month."""
    from billing.commissions.runs import run_month

    result = run_month(db.session, month, utcnow(), started_by=started_by)
    db.session.commit()
    return result.lines_added


@job("collections.run")
def run_collections() -> int:
    """`flask collections run`: the day's autopay charges, retries, reminders, late fees
    (a second run of the day takes nothing). Returns how many steps it took."""
    from billing.collections.run import run_day
    from portal.collections.notices import write
    from portal.notices import deliver_now
    from portal.payments.settings import stripe_settings

    result = run_day(db.session, utcnow(), write, settings=stripe_settings())
    if current_app.config["MAIL_DELIVERY"] == "inline":
        deliver_now()
    return result.charged + result.charge_failed + result.reminders + result.late_fees


@job("reconciliation.payments")
def reconcile_payments(run_id: int, since: str | None = None, until: str | None = None) -> None:
    """A page-started payment reconciliation: its kept file, or its sync window. A run no
    longer running was done by an earlier delivery of this job; one still running is
    done afresh (what a dead worker staged is cleared first)."""
    from billing.core.clock import parse_instant
    from billing.reconciliation.payment_runs import clear_staged
    from billing.reconciliation.runs import input_of
    from portal.reconciliation.background import reconcile_run

    if not _still_running(run_id):
        return
    clear_staged(db.session, run_id)
    window = (parse_instant(since), parse_instant(until)) if since and until else None
    reconcile_run(run_id, data=input_of(db.session, run_id), window=window)


def _still_running(run_id: int):
    """The run, while it is still to be done (a job delivered twice finds it done)."""
    from billing.reconciliation.models import ReconciliationRun

    run = db.session.get(ReconciliationRun, run_id, populate_existing=True)
    return run if run is not None and run.state == "running" else None


@job("audit.seal")
def seal_audit_log() -> int:
    """`flask audit seal`: seal the unsealed CPNI disclosures (waits for another sealer)."""
    from portal import audit_log

    return audit_log.seal(wait=True) or 0


@job("audit.verify")
def verify_audit_log() -> bool:
    """`flask audit verify`: check the disclosure log; a break is logged as an error."""
    from portal import audit_log

    verdict = audit_log.verify()
    db.session.rollback()
    if not verdict.ok:
        bad = verdict.first_break
        current_app.logger.error("audit verify: BAD (%s) at entry %s: %s", bad.kind,
                                 bad.sequence or "-", bad.reason)
    return verdict.ok


def start_in_background(name: str, job: Callable[[], object]) -> None:
    """Run `job` in a daemon thread inside its own app context (its own database session),
    and return at once. A job records its own failure on its run record; what escapes it
    is logged. Registered jobs start through `portal.tasks.enqueue`, which comes here
    when no broker is configured."""
    app = current_app._get_current_object()

    def work():
        with app.app_context():
            try:
                job()
            except Exception:
                app.logger.exception("%s failed", name)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=name, daemon=True)
    _background.add(thread)
    thread.start()


_background: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def wait_for_background_jobs(timeout: float = 60) -> list[str]:
    """Wait for the jobs started in threads of this process to end; the names of those
    still running after `timeout` seconds. Tests call it before emptying the database: a
    job outliving its test would otherwise work on the next test's rows, whose ids
    SQLite hands out again."""
    deadline = time.monotonic() + timeout
    for thread in list(_background):
        thread.join(max(0.0, deadline - time.monotonic()))
    return [thread.name for thread in list(_background) if thread.is_alive()]
