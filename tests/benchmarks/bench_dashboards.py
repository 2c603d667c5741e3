"""Latency of the partner dashboard for a big partner, on PostgreSQL, in process.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_dashboards [--keep] [--requests 20]

It generates the same data as bench_partner_lists (one channel partner with 5,000
customers, half of them with an active CPNI approval, and 60,000 invoices) in its own
throwaway database (default portal_bench_dashboards; --database-url to change it) and
times GET /partner/ logged in as that partner's admin: mean, p50, p95, SQL statements and
SQL time per request. Each request logs the approving customers' disclosures (about 2,500
rows), so the default is a few requests, not hundreds.
"""

from __future__ import annotations

import os
import re
import tempfile

from portal.extensions import db
from tests.benchmarks import bench_partner_lists as lists
from tests.benchmarks import harness

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_dashboards"
GOAL_MS = 500.0


def main(argv=None) -> None:
    args = lists.parse_args(argv)
    if args.database_url == harness.DEFAULT_URL:
        args.database_url = DEFAULT_URL  # never the lists benchmark's kept database
    args.warmup, args.requests = min(args.warmup, 3), min(args.requests, 20)
    if not args.reuse:
        harness.recreate_database(args.database_url)
    try:
        with tempfile.TemporaryDirectory() as pdf_dir:
            app = lists.build_app(args.database_url, pdf_dir)
            world = lists.prepare(app, args)
            client = lists.logged_in_client(app, world)
            with app.app_context():
                log = harness.QueryLog().attach(db.engine)
            page = lists.page_call(client, "/partner/")
            scope = re.search(r"For ([\d,]+) customers who approved CPNI", page())
            result = harness.measure("page /partner/ (dashboard)", page, log,
                                     warmup=args.warmup, runs=args.requests,
                                     note=f"{scope.group(1) if scope else '?'} approved")
            load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
            print(f"\nLoad average (1, 5, 15 min): {load}. Times in ms.\n")
            print(harness.table([result], GOAL_MS))
            with app.app_context():
                db.engine.dispose()
    finally:
        harness.keep_or_drop(args.database_url, args.keep)


if __name__ == "__main__":
    main()
