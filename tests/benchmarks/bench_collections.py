"""The daily collections job at volume, on PostgreSQL: 50,000 open invoices.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_collections [--invoices N] [--keep]

It drops and recreates a throwaway database (default portal_bench_collections on the
local server; --database-url or BENCH_DATABASE_URL to change it), migrates it, and COPYs
10,000 accounts with N open invoices (default 50,000) whose due dates spread over the
90 days before the run day and the 10 after it, one in 20 partly disputed. Then it runs
the day's job (billing.collections.run.run_day, reminders written in each account's
language and queued in the outbox) and prints its time, the steps taken and the SQL
statements per invoice; then runs the same day again, which must take nothing (the day
is noted as finished), and once more with `recheck` (every invoice examined again, every
step found already taken).
Autopay is left out: it needs Stripe, and each charge is a call to it.
Goal: under 60 s, and the second run under 2 s.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import flask_migrate
import sqlalchemy as sa

from billing.collections.run import run_day
from billing.core.clock import PROVIDER_TZ
from portal import create_app
from portal.collections.notices import write
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.generate import _copy, analyze

SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
DEFAULT_URL = harness.DEFAULT_URL.replace("portal_bench", "portal_bench_collections")
ACCOUNTS = 10_000
DAY = date(2026, 6, 15)
LOCALES = ("en_US", "en_GB", "de", "fr", "es")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV, DEFAULT_URL))
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def generate(session, invoices: int) -> None:
    """Accounts, open invoices (one per account and period) and some disputes, by COPY."""
    now = datetime.now(UTC)
    _copy(session, "customer", (
        "id", "account_number", "name", "email_of_record", "phone_of_record", "address_line1",
        "city", "postal_code", "country", "locale", "currency", "billing_role",
        "pays_own_charges", "created_at"),
        ((n, f"BC-{n:06d}", f"Bench {n}", f"bc{n}@bench.test", "+1-303-555-0100", "1 Main St",
          "Denver", "80202", "US", LOCALES[n % 5], "USD", "retail", False, now)
         for n in range(1, ACCOUNTS + 1)))
    _copy(session, "invoice", (
        "id", "number", "customer_id", "period_start", "period_end", "issue_date", "due_date",
        "status", "currency", "subtotal_minor", "tax_minor", "credit_minor", "total_minor",
        "paid_minor", "bill_to", "created_at"), (_invoice(n, now) for n in range(1, invoices + 1)))
    session.execute(sa.text(
        "INSERT INTO dispute_tier (level, name, role, response_hours, updated_at) "
        "SELECT 1, 'Bench tier', 'billing_specialist', 16, now() "
        "WHERE NOT EXISTS (SELECT 1 FROM dispute_tier)"))
    session.execute(sa.text(
        "INSERT INTO user_account (email, name, role, password_hash, is_active, created_at, "
        "locale) VALUES ('staff@bench.test', 'Staff', 'billing_specialist', 'x', true, now(), "
        "'en_US')"))
    session.execute(sa.text(
        "INSERT INTO dispute (invoice_id, customer_id, filed_by_id, filed_at, reason, "
        "description, currency, amount_minor, claimed_minor, status, tier_id, tier_started_at, "
        "credit_minor) SELECT i.id, i.customer_id, u.id, now() - interval '60 days', "
        "'wrong_rate', 'bench', 'USD', i.total_minor / 3, i.total_minor / 3, 'open', t.id, "
        "now(), 0 FROM invoice i, user_account u, dispute_tier t WHERE i.id % 20 = 0"))
    for table in ("customer", "invoice"):
        session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                f"(SELECT max(id) FROM {table}))"))
    session.commit()


def _invoice(n: int, now: datetime) -> tuple:
    account = (n - 1) % ACCOUNTS + 1
    period = (n - 1) // ACCOUNTS  # 0, 1, 2...: one invoice per account and period
    end = date(2026, 5, 25) - timedelta(days=31 * period)
    due = DAY + timedelta(days=10 - n % 100)
    total = 5_000 + (n * 7919) % 500_000
    return (n, f"USD-B-{n:07d}", account, end - timedelta(days=30), end, due - timedelta(days=30),
            due, "issued", "USD", total, 0, 0, total, 0, '{"name": "Bench"}', now)


def timed_run(log: harness.QueryLog, now: datetime, recheck: bool = False):
    log.reset()
    started = time.perf_counter()
    result = run_day(db.session, now, write, today=DAY, recheck=recheck)
    return result, time.perf_counter() - started, log.count


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": SECRET_KEY,
                      "PDF_CACHE_DIR": tempfile.mkdtemp(), "MAIL_DELIVERY": "worker"})
    now = datetime.combine(DAY, clock(7), PROVIDER_TZ).astimezone(UTC)
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        generate(db.session, args.invoices)
        analyze(db.engine)
        print(f"PostgreSQL {harness.server_version(db.engine)}; {args.invoices:,} open invoices "
              f"of {ACCOUNTS:,} accounts made in {time.perf_counter() - started:.1f} s.")
        log = harness.QueryLog().attach(db.engine)
        result, seconds, statements = timed_run(log, now)
        print(f"First run: {seconds:.1f} s; {result.examined:,} invoices examined, "
              f"{result.reminders:,} reminders, {result.late_fees:,} late fees; "
              f"{statements:,} SQL statements ({statements / args.invoices:.2f} per invoice, "
              f"{statements / max(1, result.reminders + result.late_fees):.2f} per step).")
        again, seconds, statements = timed_run(log, now)
        print(f"Second run: {seconds:.2f} s; {again.reminders} reminders, {again.late_fees} "
              f"late fees; {statements:,} SQL statements "
              f"({statements / args.invoices:.3f} per invoice).")
        again, seconds, statements = timed_run(log, now, recheck=True)
        print(f"Recheck of the same day (every invoice examined again, every step found "
              f"taken): {seconds:.2f} s; {again.reminders} reminders, {again.late_fees} late "
              f"fees; {statements:,} SQL statements.")
        print(f"Load average: {os.getloadavg()[0]:.1f}")
    harness.keep_or_drop(args.database_url, args.keep)


if __name__ == "__main__":
    main()
