"""Throughput of the Stripe report import on PostgreSQL, beside `\\copy` of the same file.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_report_import [--invoices N] [--keep]
        [--profile]

It drops and recreates a throwaway database (default portal_bench_report on the local
server; --database-url or BENCH_DATABASE_URL to change it), migrates it, and:

  1. generates N issued invoices (default 100,000) over N/10 accounts by COPY;
  2. writes Stripe's itemised balance-change report with one `charge` per invoice, naming
     its account and invoice in `payment_metadata[...]` (nine in ten pay the invoice in
     full, one in ten pays part of it), in Stripe's own column layout;
  3. imports it as `flask payments import-report FILE --output RESULTS` does (check the
     whole file, then apply and commit it in chunks), timed end to end;
  4. times psql's `\\copy` of the same file into a bare table of text columns, in the
     same run, and prints rows per second of both and their ratio (goal >= 0.25x).

While the import runs, a thread ANALYZEs the tables it fills every 5 s, as autovacuum
would (it is off on the development server). --profile runs the import under cProfile
and prints its top functions. The database is dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import os
import pstats
import random
import subprocess
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta

import flask_migrate
import psycopg
import sqlalchemy as sa
from click.testing import CliRunner

from billing.payments.report_rows import read_report
from portal import create_app
from portal.cli.payments import import_report
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.generate import analyze
from tests.benchmarks.generate_billing import copy_rows, move_sequences

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_report"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
GOAL_RATIO = 0.25
SEED = 1313
INVOICES_PER_ACCOUNT = 10
ISSUED = date(2026, 10, 26)
PAID_FROM = datetime(2026, 11, 1, tzinfo=UTC)
HEADER = (
    "balance_transaction_id", "created_utc", "available_on_utc", "currency", "gross", "fee",
    "net", "reporting_category", "source_id", "description", "customer_facing_amount",
    "customer_facing_currency", "automatic_payout_id", "automatic_payout_effective_at_utc",
    "customer_id", "customer_email", "customer_name", "customer_description", "charge_id",
    "payment_intent_id", "charge_created_utc", "invoice_id", "order_id",
    "payment_method_type", "card_brand", "card_funding", "card_country",
    "statement_descriptor", "dispute_reason", "connected_account_id",
    "payment_metadata[account_number]", "payment_metadata[invoice_numbers]",
)
CUSTOMER_COLUMNS = (
    "id", "account_number", "name", "parent_id", "pays_own_charges", "partner_id",
    "email_of_record", "phone_of_record", "address_line1", "city", "region", "postal_code",
    "country", "locale", "currency", "created_at",
)
INVOICE_COLUMNS = (
    "id", "number", "customer_id", "period_start", "period_end", "issue_date", "due_date",
    "status", "currency", "subtotal_minor", "tax_minor", "credit_minor", "total_minor",
    "paid_minor", "bill_to", "created_at", "issued_at",
)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV, DEFAULT_URL))
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--profile", action="store_true", help="cProfile the import")
    return parser.parse_args(argv)


# --- the data -----------------------------------------------------------------------------

def generate(session, invoices: int) -> list[tuple[str, str, int]]:
    """Accounts and issued invoices by COPY; returns (account, invoice number, total)."""
    rng = random.Random(SEED)
    accounts = max(1, invoices // INVOICES_PER_ACCOUNT)
    created = datetime(2024, 1, 10, tzinfo=UTC)
    copy_rows(session, "customer", CUSTOMER_COLUMNS, (
        (n, f"BR-{n:07d}", f"Report Payer {n}", None, False, None, f"p{n}@payer.example",
         "+1-303-555-0100", "1 Main Street", "Denver", "CO", "80202", "US", "en_US", "USD",
         created) for n in range(1, accounts + 1)))
    made, rows = [], []
    for n in range(1, invoices + 1):
        account = (n - 1) % accounts + 1
        period_end = ISSUED - timedelta(days=1 + 31 * ((n - 1) // accounts))
        total = rng.randint(2_000, 250_000)
        number = f"USD-2026-{n:07d}"
        rows.append((n, number, account, period_end - timedelta(days=30), period_end,
                     ISSUED, ISSUED + timedelta(days=30), "issued", "USD", total, 0, 0, total,
                     0, '{"name": "Report Payer"}', created, created))
        made.append((f"BR-{account:07d}", number, total))
    copy_rows(session, "invoice", INVOICE_COLUMNS, rows)
    move_sequences(session, ("customer", "invoice"))
    session.commit()
    return made


def write_report(path: str, invoices: list[tuple[str, str, int]]) -> None:
    """One charge per invoice: nine in ten pay it in full, one in ten pays half of it."""
    rng = random.Random(SEED)
    with open(path, "w", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(HEADER)
        for n, (account, number, total) in enumerate(invoices, 1):
            amount = total if rng.random() < 0.9 else total // 2
            fee = amount * 29 // 1000 + 30
            at = (PAID_FROM + timedelta(seconds=7 * n)).strftime("%Y-%m-%d %H:%M:%S")
            values = dict.fromkeys(HEADER, "")
            values.update({
                "balance_transaction_id": f"txn_bench{n:010d}", "created_utc": at,
                "available_on_utc": at[:10] + " 00:00:00", "currency": "usd",
                "gross": _major(amount), "fee": _major(fee), "net": _major(amount - fee),
                "reporting_category": "charge", "source_id": f"ch_bench{n:010d}",
                "description": f"Invoice {number}", "customer_facing_amount": _major(amount),
                "customer_facing_currency": "usd", "charge_id": f"ch_bench{n:010d}",
                "payment_intent_id": f"pi_bench{n:010d}", "charge_created_utc": at,
                "payment_method_type": "card", "card_brand": "visa", "card_funding": "credit",
                "card_country": "US", "statement_descriptor": "PORTAL BILL",
                "payment_metadata[account_number]": account,
                "payment_metadata[invoice_numbers]": number})
            writer.writerow([values[name] for name in HEADER])


def _major(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


# --- the two loads ------------------------------------------------------------------------

def run_import(app, path: str, output: str, profile: bool) -> tuple[float, float]:
    """The import's wall time and the CPU time this process spent on it (the Python side;
    on a busy machine the wall time grows with the load, the CPU time much less)."""
    runner = CliRunner()
    profiler = cProfile.Profile() if profile else None
    statements = harness.QueryLog()
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    with app.app_context():
        statements.attach(db.engine)
        result = runner.invoke(import_report, [path, "--output", output], obj=None)
        sa.event.remove(db.engine, "before_cursor_execute", statements._before)
        sa.event.remove(db.engine, "after_cursor_execute", statements._after)
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.exit_code != 0:
        raise SystemExit(f"The import failed: {result.output}{result.exception!r}")
    print(result.stderr.splitlines()[-1] if result.stderr else "", flush=True)
    print("\n".join(line for line in result.stderr.splitlines() if line.startswith("  ")))
    _print_statements(statements)
    if profiler:
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
    return seconds, cpu


def _print_statements(log: harness.QueryLog) -> None:
    """How many statements the import sent, and those that took longest altogether."""
    by_sql: dict[str, list] = {}
    for statement in log.statements:
        entry = by_sql.setdefault(" ".join(statement.sql.split())[:90], [0, 0.0])
        entry[0] += 1
        entry[1] += statement.seconds
    print(f"SQL statements: {log.count:,} in {log.seconds:.1f} s (the longest in total first)")
    for sql, (count, seconds) in sorted(by_sql.items(), key=lambda item: -item[1][1])[:16]:
        print(f"  {count:8,} {seconds:7.2f} s  {sql}")


@contextlib.contextmanager
def _autoanalyze(url: str, every: float = 5.0):
    """ANALYZE the tables the import fills every few seconds, as autovacuum would (the
    development server runs with it off). Without it, the plans PostgreSQL caches for
    the import's prepared statements while the tables are nearly empty (sequential
    scans) stay in use as they grow, and each chunk gets slower than the last."""
    stop = threading.Event()
    target = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def loop():
        with psycopg.connect(target, autocommit=True) as connection:
            while not stop.wait(every):
                connection.execute("ANALYZE payment, payment_allocation, invoice, "
                                   "stripe_balance_transaction")

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_copy(url: str, path: str) -> float:
    """psql's \\copy of the file into a bare table of text columns (created first)."""
    columns = ", ".join(f'"{name}" text' for name in HEADER)
    target = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["psql", target, "-qc", f"DROP TABLE IF EXISTS bare_report; "
                                          f"CREATE TABLE bare_report ({columns})"], check=True)
    started = time.perf_counter()
    subprocess.run(["psql", target, "-qc", f"\\copy bare_report FROM '{path}' "
                                          "WITH (FORMAT csv, HEADER true)"], check=True)
    return time.perf_counter() - started


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": SECRET_KEY})
    workdir = tempfile.mkdtemp(prefix="bench_report_")
    report, results = os.path.join(workdir, "report.csv"), os.path.join(workdir, "results.csv")
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        invoices = generate(db.session, args.invoices)
        analyze(db.engine)
        print(f"Generated {len(invoices):,} invoices in {time.perf_counter() - started:.1f} s",
              flush=True)
        write_report(report, invoices)
        db.session.remove()
    rows = len(invoices)
    print(f"Report: {rows:,} charges, {os.path.getsize(report) / 2**20:.1f} MiB", flush=True)
    started = time.perf_counter()
    with open(report, "rb") as stream:
        read_report(stream, datetime.now(UTC))
    checked = time.perf_counter() - started
    print(f"Checking alone (read_report): {rows / checked:,.0f} rows/s", flush=True)
    with _autoanalyze(args.database_url):
        imported, cpu = run_import(app, report, results, args.profile)
    copied = run_copy(args.database_url, report)
    with app.app_context():
        check = db.session.execute(sa.text(
            "SELECT payment_class, count(*), sum(amount_minor) FROM payment GROUP BY 1 "
            "ORDER BY 1")).all()
        db.session.remove()
        db.engine.dispose()
    ratio = (rows / imported) / (rows / copied)
    print(f"\npayments by class: {check}")
    print(f"import-report: {rows:,} rows in {imported:.1f} s = {rows / imported:,.0f} rows/s "
          f"({cpu:.1f} s of CPU in this process; load average {os.getloadavg()[0]:.1f})")
    print(f"\\copy:         {rows:,} rows in {copied:.2f} s = {rows / copied:,.0f} rows/s")
    print(f"ratio: {ratio:.3f}x (goal >= {GOAL_RATIO}x: {'yes' if ratio >= GOAL_RATIO else 'NO'})")
    harness.keep_or_drop(args.database_url, args.keep)


if __name__ == "__main__":
    main()
