"""The usage import on PostgreSQL beside psql's `\\copy` of the same file, in the same run.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_usage_import [--rows N] [--accounts N]
        [--rounds 3] [--profile] [--keep]

It drops and recreates a throwaway database (default portal_bench_usage on the local
server; --database-url or BENCH_DATABASE_URL to change it), migrates it, adds the
accounts (default 10,000) and writes a usage CSV of N calls (default 1,000,000) in the
documented format. Then, for each round, taking turns at going first:

  - the import: `run_import` of the usage kind and the commit, into an empty
    `usage_record`, timed end to end, with the CPU time and the peak resident memory of
    this process (the Python side; on a busy machine wall times grow with the load, CPU
    times much less) and its slowest statements;
  - the floor: psql's `\\copy` of the same file into `bare_usage`, a table of the file's
    own columns with the indexes and constraints `usage_record` has (a primary key, the
    unique `source_ref`, an index on account and start, the account's foreign key, the
    checks and NOT NULLs), emptied first.

It prints both times, rows per second and the ratio import / `\\copy` in rows per second
for each round, and their median (the issue's goal: 0.5x or better). --profile runs one
more import under cProfile and prints where its time went. The database is dropped
afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import subprocess
import tempfile
import time

import flask_migrate
import sqlalchemy as sa

from billing.core.clock import parse_period
from billing.imports import KINDS, run_import
from billing.invoicing.drafting import previous_period
from billing.invoicing.usage_models import CALL_TYPES
from portal import create_app
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.bench_invoice_run import peak_rss_mb, reset_peak_rss
from tests.benchmarks.generate import analyze
from tests.benchmarks.generate_billing import (
    CUSTOMER_COLUMNS,
    SEED,
    _customer_rows,
    _partners,
    copy_rows,
    move_sequences,
    write_usage_csv,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_usage"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
GOAL_RATIO = 0.5
STATEMENTS = harness.QueryLog()
PERIOD = "2026-12"  # the file holds the calls of the period before: 26 Oct to 25 Nov 2026
BARE_TABLE = f"""
CREATE TABLE bare_usage (
    id bigserial PRIMARY KEY,
    source_ref varchar(64) NOT NULL UNIQUE,
    account_number varchar(20) NOT NULL REFERENCES customer (account_number),
    call_type varchar(16) NOT NULL CHECK (call_type IN {CALL_TYPES}),
    destination varchar(64) NOT NULL,
    started_at timestamptz NOT NULL,
    minutes numeric(18, 6) NOT NULL CHECK (minutes >= 0),
    rate numeric(18, 6) NOT NULL
);
CREATE INDEX ix_bare_usage_account_started ON bare_usage (account_number, started_at);
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV, DEFAULT_URL))
    parser.add_argument("--rows", type=int, default=1_000_000, help="calls in the file")
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="one more import under cProfile, printed at the end")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def prepare(session, path: str, args: argparse.Namespace) -> int:
    """Accounts, the bare table and the usage file; returns the file's size in bytes."""
    rows, accounts = _customer_rows(random.Random(SEED), args.accounts, _partners(session))
    copy_rows(session, "customer", CUSTOMER_COLUMNS, rows)
    move_sequences(session, ("customer",))
    session.execute(sa.text(BARE_TABLE))
    session.commit()
    usage_period = previous_period(parse_period(PERIOD))
    return write_usage_csv(path, accounts, usage_period, args.rows)


def empty(session, table: str) -> None:
    session.execute(sa.text(f"TRUNCATE {table}"))
    session.commit()


def time_import(session, path: str, profiler: cProfile.Profile | None = None):
    """Seconds and peak RSS (MB) of importing the file and committing."""
    empty(session, "usage_record")
    STATEMENTS.reset()
    reset_peak_rss()
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    report = run_import(session, KINDS["usage"], lambda: open(path, "rb"))
    if not report.saved:
        session.rollback()
        raise SystemExit(f"The import refused the file: {report.errors[:5]}")
    session.commit()
    if profiler:
        profiler.disable()
    report.statements = list(STATEMENTS.statements)
    report.cpu = time.process_time() - cpu
    return time.perf_counter() - started, peak_rss_mb(), report


def time_copy(session, url: str, path: str) -> float:
    """Seconds of psql's \\copy of the file into the emptied bare table."""
    empty(session, "bare_usage")
    target = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    subprocess.run(["psql", target, "-qc", f"\\copy bare_usage (source_ref, account_number, "
                    f"call_type, destination, started_at, minutes, rate) FROM '{path}' "
                    "WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL (destination))"],
                   check=True)
    return time.perf_counter() - started


def run_rounds(session, args: argparse.Namespace, path: str) -> list[float]:
    """Import and \\copy in turns; prints each round and returns the ratios."""
    ratios = []
    for number in range(1, args.rounds + 1):
        if number % 2:
            imported, peak, report = time_import(session, path)
            copied = time_copy(session, args.database_url, path)
        else:
            copied = time_copy(session, args.database_url, path)
            imported, peak, report = time_import(session, path)
        ratio = copied / imported  # rows/s of the import over rows/s of \copy
        ratios.append(ratio)
        print(f"  the import's slowest statements: {slowest(report.statements)}")
        print(f"round {number}: import {imported:6.2f} s = {args.rows / imported:9,.0f} rows/s "
              f"({report.cpu:.1f} s of CPU in this process, peak RSS {peak:,.0f} MB, "
              f"{report.created:,} created); \\copy {copied:6.2f} s "
              f"= {args.rows / copied:9,.0f} rows/s; ratio {ratio:.2f}x; "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    return ratios


def slowest(statements: list, shown: int = 4) -> str:
    """The statements that took longest (COPY goes past the engine: it is the rest)."""
    ranked = sorted(statements, key=lambda statement: -statement.seconds)[:shown]
    return "; ".join(f"{' '.join(s.sql.split())[:40]} {s.seconds:.2f} s" for s in ranked)


def profile_import(session, path: str) -> None:
    profiler = cProfile.Profile()
    seconds, _, _ = time_import(session, path, profiler)
    print(f"\n===== cProfile of one import ({seconds:.1f} s under the profiler) =====")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(25)


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": SECRET_KEY})
    try:
        with tempfile.TemporaryDirectory(prefix="bench_usage_") as scratch, app.app_context():
            path = os.path.join(scratch, "usage.csv")
            flask_migrate.upgrade()
            STATEMENTS.attach(db.engine)
            size = prepare(db.session, path, args)
            analyze(db.engine)
            print(f"{args.accounts:,} accounts; usage file of {args.rows:,} calls, "
                  f"{size / 2**20:.0f} MiB; PostgreSQL {harness.server_version(db.engine)}",
                  flush=True)
            ratios = run_rounds(db.session, args, path)
            print(f"median ratio {statistics.median(ratios):.2f}x (goal >= {GOAL_RATIO}x: "
                  f"{'met' if statistics.median(ratios) >= GOAL_RATIO else 'NOT met'})")
            if args.profile:
                profile_import(db.session, path)
            db.session.remove()
            db.engine.dispose()
    finally:
        harness.keep_or_drop(args.database_url, args.keep)


if __name__ == "__main__":
    main()
