"""The invoice run's drafting on Celery workers against the same run in one process.

Run by hand from the repository root, with Redis on 127.0.0.1:6379 (pytest does not
collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_worker_invoice_run [--customers N]
        [--usage-rows N] [--workers 2] [--slice 500] [--keep]

It builds one throwaway PostgreSQL database as bench_invoice_run does (10,000 accounts,
their services, three periods of history, a month of usage imported), copies it (CREATE
DATABASE ... TEMPLATE), and then drafts the period 2026-12 twice on the same data:

  1. in-process, as the embedded default does without a broker: the `invoices.run` job
     plans the slices and drafts them one after the other in this process;
  2. on `--workers` Celery worker processes (solo pool, one task at a time each) on
     Redis, started and ready before the clock starts: the same job sent to them plans
     the slices, which they share out; the clock stops when the run's record says
     drafted.

It prints both times, accounts per second and their ratio. The machine is shared, so
read the ratio rather than the seconds; with 2 cores and PostgreSQL on the same machine,
two workers cannot double the speed. The databases are dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

from billing.core.clock import parse_period, utcnow
from billing.invoicing import run_lifecycle
from billing.invoicing.drafting import previous_period
from billing.invoicing.usage_models import InvoiceRun
from portal import create_app, jobs
from portal.extensions import db
from portal.tasks import celery_init_app, enqueue
from tests.benchmarks import harness
from tests.benchmarks.bench_invoice_run import (
    PERIOD,
    SECRET_KEY,
    analyze_table,
    import_usage,
)
from tests.benchmarks.generate import analyze
from tests.benchmarks.generate_billing import Sizes, generate, write_usage_csv
from tests.workers import REDIS_DB, REDIS_HOST, REDIS_PORT, Workers, _forget_keys

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_workers"
AUDIT_KEY = "benchmark-audit-key-that-is-long-enough-0123456789"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV, DEFAULT_URL))
    parser.add_argument("--customers", type=int, default=Sizes.customers)
    parser.add_argument("--usage-rows", type=int, default=Sizes.usage_rows)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slice", type=int, default=500, help="accounts per slice (task)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    return parser.parse_args(argv)


def build_app(url: str, **config):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY,
                       "AUDIT_LOG_KEY": AUDIT_KEY, **config})


def prepare(url: str, args: argparse.Namespace) -> None:
    """The data both runs draft: accounts, history, usage; analysed as autovacuum would."""
    period = parse_period(PERIOD)
    sizes = Sizes(customers=args.customers, usage_rows=args.usage_rows)
    app = build_app(url)
    with app.app_context(), tempfile.TemporaryDirectory(prefix="bench_usage_") as scratch:
        flask_migrate.upgrade()
        started = time.perf_counter()
        world = generate(db.session, period, sizes)
        analyze(db.engine)
        path = os.path.join(scratch, "usage.csv")
        write_usage_csv(path, world.accounts, previous_period(period), sizes.usage_rows)
        import_usage(db.session, path, [])
        analyze_table(db.session, "usage_record")
        print(f"Prepared {len(world.accounts):,} accounts and {sizes.usage_rows:,} calls in "
              f"{time.perf_counter() - started:.0f} s.", flush=True)
        db.session.remove()
        db.engine.dispose()


def copy_database(source: str, target: str) -> None:
    harness.drop_database(target)
    admin = sa.create_engine(sa.make_url(source).set(database="postgres"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{sa.make_url(target).database}" '
                                   f'TEMPLATE "{sa.make_url(source).database}"'))
    admin.dispose()


def claim() -> int:
    return run_lifecycle.claim_drafting(db.session, parse_period(PERIOD), started_by="bench",
                                        now=utcnow()).run.id


def run_in_process(url: str, slice_size: int) -> tuple[float, InvoiceRun]:
    app = build_app(url, INVOICE_RUN_SLICE_SIZE=slice_size)
    with app.app_context():
        run_id = claim()
        started = time.perf_counter()
        jobs.invoice_run(run_id)
        seconds = time.perf_counter() - started
        run = db.session.get(InvoiceRun, run_id, populate_existing=True)
        db.session.remove()
        db.engine.dispose()
    return seconds, run


def run_on_workers(url: str, args: argparse.Namespace) -> tuple[float, InvoiceRun]:
    prefix = f"portal-bench-{uuid.uuid4().hex[:12]}:"
    broker = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    app = build_app(url, CELERY_BROKER_URL=broker, CELERY_KEY_PREFIX=prefix)
    celery_init_app(app)
    with tempfile.TemporaryDirectory(prefix="bench_workers_") as logs, app.app_context():
        pool = Workers(app, Path(logs), prefix)
        try:
            for _ in range(args.workers):
                pool.start(INVOICE_RUN_SLICE_SIZE=args.slice, CELERY_VISIBILITY_TIMEOUT=600)
            run_id = claim()
            started = time.perf_counter()
            enqueue("invoices.run", run_id=run_id)
            run = wait_drafted(run_id, started)
            seconds = time.perf_counter() - started
        finally:
            pool.stop_all()
            app.extensions["celery"].close()
            _forget_keys(prefix)
            db.session.remove()
            db.engine.dispose()
    return seconds, run


def wait_drafted(run_id: int, started: float) -> InvoiceRun:
    shown = 0.0
    while True:
        db.session.rollback()
        run = db.session.get(InvoiceRun, run_id, populate_existing=True)
        if run.state != "running":
            return run
        if time.perf_counter() - shown >= 5:
            shown = time.perf_counter()
            print(f"  workers: {run.done:,}/{run.total:,} after {shown - started:.0f} s",
                  flush=True)
        time.sleep(0.1)


def main(argv=None) -> None:
    args = parse_args(argv)
    copy = sa.make_url(args.database_url)
    copy = copy.set(database=f"{copy.database}_copy").render_as_string(hide_password=False)
    harness.recreate_database(args.database_url)
    try:
        prepare(args.database_url, args)
        copy_database(args.database_url, copy)
        print("Drafting in-process...", flush=True)
        alone, alone_run = run_in_process(args.database_url, args.slice)
        print(f"Drafting on {args.workers} workers...", flush=True)
        spread, spread_run = run_on_workers(copy, args)
    finally:
        harness.keep_or_drop(args.database_url, args.keep)
        harness.keep_or_drop(copy, args.keep)
    for name, seconds, run in (("in-process", alone, alone_run),
                               (f"{args.workers} workers", spread, spread_run)):
        print(f"{name:>12}: {run.drafted:,} drafted ({run.state}, {len(run.failures)} "
              f"failures) in {seconds:.1f} s, {run.drafted / seconds:,.0f} accounts/s")
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"Ratio (in-process time / workers time): {alone / spread:.2f}; slices of "
          f"{args.slice} accounts; {os.cpu_count()} CPUs; load average {load}.")


if __name__ == "__main__":
    main()
