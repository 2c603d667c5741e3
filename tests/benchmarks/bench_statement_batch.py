"""Statement batch throughput on 1 and on 2 Celery worker processes.

Run by hand from the repository root, with Redis on 127.0.0.1:6379 (pytest does not
collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_statement_batch [--statements 200]
        [--workers 1 2] [--slice 10] [--keep]

It builds a throwaway PostgreSQL database with one partner and `--statements` customers,
each with two issued invoices in February 2026 (a two-page statement, as DESIGN section
11 measures), and a billing specialist. For each worker count it starts that many
workers (solo pool) on Redis, ready before the clock starts, asks for the staff batch of
February (all accounts) as the page does, and stops the clock when the batch's record
says done (its ZIP written). Each count gets a fresh PDF cache and batch folder, so every
statement is rendered. It prints documents per second for each count and their ratio.
The machine is shared, so read the ratio rather than the seconds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import flask_migrate
from sqlalchemy import delete

from billing.core.clock import utcnow
from billing.invoicing.statement_batch_models import StatementBatch
from billing.parties.partners import create_partner
from billing.parties.users import User
from portal import create_app
from portal.extensions import db
from portal.tasks import celery_init_app, enqueue
from reports import statement_batches
from tests.benchmarks import harness
from tests.factories import make_customer, make_invoice, make_user
from tests.workers import REDIS_DB, REDIS_HOST, REDIS_PORT, Workers, _forget_keys

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_statements"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
AUDIT_KEY = "benchmark-audit-key-that-is-long-enough-0123456789"
FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV, DEFAULT_URL))
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--slice", type=int, default=10, help="statements per slice (task)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def build_app(url: str, **config):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                       "AUDIT_LOG_KEY": AUDIT_KEY, **config})


def prepare(url: str, count: int) -> None:
    """`count` accounts with two February invoices each, and a billing specialist."""
    app = build_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        partner = create_partner(db.session, code="BENCH", name="Bench Partner",
                                 kind="channel")
        for n in range(count):
            customer = make_customer(db.session, f"AC-{n:05d}", f"Bench Customer {n}",
                                     partner=partner)
            # issued on 2 and 26 February (make_invoice issues 27 days before the end)
            for k, end in enumerate((date(2026, 3, 1), date(2026, 3, 25))):
                make_invoice(db.session, customer, f"USD-B-{n:05d}-{k}", period_end=end,
                             amount_minor=100_000 + n)
        make_user(db.session, "bench@staff.test", "billing_specialist")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def run_on_workers(url: str, workers: int, slice_size: int) -> tuple[float, int]:
    prefix = f"portal-bench-{uuid.uuid4().hex[:12]}:"
    broker = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    with tempfile.TemporaryDirectory(prefix="bench_batches_") as scratch:
        folders = {"PDF_CACHE_DIR": f"{scratch}/pdf", "STATEMENT_BATCH_DIR": f"{scratch}/zip"}
        app = build_app(url, CELERY_BROKER_URL=broker, CELERY_KEY_PREFIX=prefix, **folders)
        celery_init_app(app)
        with app.app_context():
            db.session.execute(delete(StatementBatch))  # the previous count's batch
            db.session.commit()
            pool = Workers(app, Path(scratch), prefix)
            try:
                for _ in range(workers):
                    pool.start(STATEMENT_BATCH_SLICE_SIZE=slice_size,
                               CELERY_VISIBILITY_TIMEOUT=600)
                started = time.perf_counter()
                batch_id = ask()
                enqueue("statements.batch", batch_id=batch_id)
                done = wait_done(batch_id, started)
                seconds = time.perf_counter() - started
            finally:
                pool.stop_all()
                app.extensions["celery"].close()
                _forget_keys(prefix)
                db.session.remove()
                db.engine.dispose()
    return seconds, done


def ask() -> int:
    staff = db.session.query(User).filter_by(email="bench@staff.test").one()
    batch, _ = statement_batches.ask_for_batch(
        db.session, staff, partner=None, start=FEBRUARY[0], end=FEBRUARY[1], locale="en_US",
        now=utcnow())
    db.session.commit()
    return batch.id


def wait_done(batch_id: int, started: float) -> int:
    shown = time.perf_counter()
    while True:
        db.session.rollback()
        batch = db.session.get(StatementBatch, batch_id, populate_existing=True)
        if batch.state != "rendering":
            if batch.state != "done":
                raise SystemExit(f"the batch stopped: {batch.error}")
            return batch.done
        if time.perf_counter() - shown >= 5:
            shown = time.perf_counter()
            print(f"  {batch.done}/{batch.total} after {shown - started:.0f} s", flush=True)
        time.sleep(0.1)


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    results = {}
    try:
        prepare(args.database_url, args.statements)
        for workers in args.workers:
            print(f"Rendering {args.statements} statements on {workers} worker(s)...",
                  flush=True)
            results[workers] = run_on_workers(args.database_url, workers, args.slice)
    finally:
        harness.keep_or_drop(args.database_url, args.keep)
    for workers, (seconds, done) in results.items():
        print(f"{workers} worker(s): {done} statements in {seconds:.1f} s, "
              f"{done / seconds:.2f} documents/s")
    if len(results) >= 2:
        (low, (s1, d1)), (high, (s2, d2)) = sorted(results.items())[:2]
        ratio = (d2 / s2) / (d1 / s1)
        load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
        print(f"Ratio ({high} workers / {low}): {ratio:.2f}; slices of {args.slice}; "
              f"{os.cpu_count()} CPUs; load average {load}.")


if __name__ == "__main__":
    main()
