"""A monthly commission run at volume, on PostgreSQL: time and peak memory.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_commissions [--accounts N]
        [--allocations M] [--keep]

It drops and recreates a throwaway database (default portal_bench_commissions on the
local server; --database-url or BENCH_DATABASE_URL to change it), migrates it, and makes
a 3-level agency tree (1 top agency, 10 sub-agents, 10 sub-sub-agents under each, every
one with a plan), N accounts (default 10,000) spread over the sub-sub-agents, and M
issued invoices (default 100,000; recurring, usage and tax lines) each paid by one
payment allocated in the month, all by COPY. Then it runs `flask commissions run` for the
month in a fresh process, so that the peak memory measured (ru_maxrss) is the run's
own, prints its time and peak, runs it again (which must add nothing) and prints that.
Goal on the 2-core machine: under 30 s and 500 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import flask_migrate
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.generate_billing import copy_rows, move_sequences

MONTH = "2026-03"
PAID_FROM = datetime(2026, 3, 2, 12, tzinfo=UTC)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        harness.URL_ENV, harness.DEFAULT_URL.replace("portal_bench", "portal_bench_commissions")))
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--allocations", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--run-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def make_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "x" * 40,
                       "TESTING": True})


def generate(session, accounts: int, allocations: int) -> None:
    rng = random.Random(15)
    now = datetime(2026, 2, 1, tzinfo=UTC)
    partners, plans, leaves = [], [], []
    ids = iter(range(1, 10_000))

    def partner(kind_path, parent_path):
        pid = next(ids)
        path = f"{parent_path}{pid}/"
        partners.append((pid, f"P{pid}", f"Partner {pid}", "agency",
                         int(parent_path.strip('/').split('/')[-1]) if parent_path != "/"
                         else None, path, now))
        rate = {1: 20, 2: 15, 3: 10}[kind_path]
        plans.append((pid, pid, date(2026, 1, 1), rate, rate // 2, 5, now))
        return path

    top = partner(1, "/")
    for _ in range(10):
        sub = partner(2, top)
        for _ in range(10):
            leaves.append(int(partner(3, sub).strip("/").split("/")[-1]))
    copy_rows(session, "partner", ("id", "code", "name", "kind", "parent_id", "tree_path",
                                   "created_at"), [
        (p[0], p[1], p[2], p[3], p[4], p[5], p[6]) for p in partners])
    copy_rows(session, "commission_plan", ("id", "partner_id", "effective_from",
                                           "recurring_rate", "usage_rate", "one_time_rate",
                                           "created_at"), plans)
    copy_rows(session, "customer", (
        "id", "account_number", "name", "partner_id", "email_of_record", "phone_of_record",
        "address_line1", "city", "postal_code", "country", "locale", "currency",
        "billing_role", "pays_own_charges", "created_at"), (
        (c, f"B{c:07d}", f"Account {c}", leaves[c % len(leaves)], f"a{c}@bench.test",
         "+1-303-555-0100", "1 Main St", "Denver", "80202", "US", "en_US", "USD", "retail",
         False, now) for c in range(1, accounts + 1)))
    invoices, lines, payments, allocs = [], [], [], []
    for i in range(1, allocations + 1):
        customer = (i - 1) % accounts + 1
        end = date(2025, 1, 25) + timedelta(days=28 * ((i - 1) // accounts))
        recurring, usage = rng.randint(2_000, 50_000), rng.randint(0, 20_000)
        tax = (recurring + usage) // 10
        total = recurring + usage + tax
        invoices.append((i, f"INV-B-{i:07d}", customer, end - timedelta(days=30), end, end,
                         end + timedelta(days=30), "paid", "USD", recurring + usage, tax, 0,
                         total, total, "{}", now))
        for n, (kind, amount) in enumerate((("recurring", recurring), ("usage", usage),
                                            ("tax", tax)), start=1):
            lines.append((3 * i + n, i, n, kind, kind, 1, amount, amount))
        at = PAID_FROM + timedelta(seconds=i * 20)
        payments.append((i, customer, "USD", total, at, "wire", "W", "staff", "[]",
                         "matched", "", "", at))
        allocs.append((i, i, i, total, at))
    copy_rows(session, "invoice", (
        "id", "number", "customer_id", "period_start", "period_end", "issue_date", "due_date",
        "status", "currency", "subtotal_minor", "tax_minor", "credit_minor", "total_minor",
        "paid_minor", "bill_to", "created_at"), invoices)
    copy_rows(session, "invoice_line", ("id", "invoice_id", "position", "kind", "description",
                                        "quantity", "unit_price", "amount_minor"), lines)
    copy_rows(session, "payment", (
        "id", "customer_id", "currency", "amount_minor", "received_at", "method", "reference",
        "source", "named_invoices", "payment_class", "payer_note", "note", "created_at"),
        payments)
    copy_rows(session, "payment_allocation", ("id", "payment_id", "invoice_id",
                                              "amount_minor", "at"), allocs)
    move_sequences(session, ("partner", "commission_plan", "customer", "invoice",
                             "invoice_line", "payment", "payment_allocation"))
    session.commit()


def run_once(url: str) -> None:
    """The measured part, in its own process: one commission run, committed."""
    from billing.commissions.runs import run_month

    app = make_app(url)
    with app.app_context():
        started = time.perf_counter()
        result = run_month(db.session, MONTH, datetime(2026, 4, 2, tzinfo=UTC),
                           started_by="bench")
        db.session.commit()
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  events {result.events_seen:,}, lines {result.lines_added:,}: "
          f"{seconds:.1f} s, peak {peak:.0f} MB")


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.run_only:
        return run_once(args.database_url)
    harness.recreate_database(args.database_url)
    app = make_app(args.database_url)
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        generate(db.session, args.accounts, args.allocations)
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
        print(f"Generated {args.accounts:,} accounts, {args.allocations:,} paid invoices in "
              f"{time.perf_counter() - started:.1f} s")
        db.engine.dispose()
    command = [sys.executable, "-m", "tests.benchmarks.bench_commissions", "--run-only",
               "--database-url", args.database_url]
    print(f"Commission run of {MONTH}:")
    subprocess.run(command, check=True)
    print("Second run of the same month (must add nothing):")
    subprocess.run(command, check=True)
    if not args.keep:
        harness.drop_database(args.database_url)


if __name__ == "__main__":
    main()
