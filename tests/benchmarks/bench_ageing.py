"""The receivables ageing at volume, on PostgreSQL: time and statements per ageing.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_ageing [--accounts N] [--invoices M] [--keep]

It drops and recreates a throwaway database (default portal_bench_ageing on the local
server; --database-url or BENCH_DATABASE_URL to change it), migrates it and loads the
commission benchmark's data (N accounts, default 10,000; M invoices, default 100,000,
each paid by one payment), then takes back the allocations of every third invoice so
that a third of them are open and spread over the buckets. It times the ageing of every
account as of today and as of a past day (`billing.collections.ageing`), three runs each.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date

import flask_migrate
import sqlalchemy as sa

from billing.collections.ageing import receivables_ageing
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.bench_commissions import generate, make_app


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        harness.URL_ENV, harness.DEFAULT_URL.replace("portal_bench", "portal_bench_ageing")))
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def reopen_a_third(session) -> None:
    session.execute(sa.text("DELETE FROM payment_allocation WHERE invoice_id % 3 = 0"))
    session.execute(sa.text("UPDATE invoice SET paid_minor = 0, status = 'issued' "
                            "WHERE id % 3 = 0"))
    session.execute(sa.text("ANALYZE"))
    session.commit()


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    app = make_app(args.database_url)
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        generate(db.session, args.accounts, args.invoices)
        reopen_a_third(db.session)
        print(f"Generated {args.accounts:,} accounts, {args.invoices:,} invoices in "
              f"{time.perf_counter() - started:.1f} s")
        log = harness.QueryLog().attach(db.engine)
        results = [harness.measure(
            f"ageing as of {day}", lambda day=day: receivables_ageing(db.session, day), log,
            warmup=1, runs=3) for day in (date.today(), date(2025, 6, 30))]
        print(harness.table(results, goal_ms=5_000))
        db.engine.dispose()
    if not args.keep:
        harness.drop_database(args.database_url)


if __name__ == "__main__":
    main()
