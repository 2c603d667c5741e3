"""A payment reconciliation run on PostgreSQL, beside its floor, in the same run.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_reconcile_payments [--size N] [--keep]

It drops and recreates a throwaway database (default portal_bench_reconcile on the local
server; --database-url or BENCH_DATABASE_URL to change it), migrates it, and:

  1. generates N issued invoices over N/10 accounts and one Stripe payment per invoice
     (nine in ten matched, one in ten partial), by COPY;
  2. writes Stripe's itemised balance-change report of N balance transactions: a charge
     per payment, paid out in payouts of 1,000 charges (the payout rows make N + N/1000);
  3. runs `flask --app wsgi reconcile payments --file REPORT` in a child process, timed
     end to end, and reads the child's peak memory (getrusage, through a small middle
     process: see PEAK_OF_CHILD);
  4. the floor, in the same run: psql's `\\copy` of the same file into a bare table of text
     columns, plus one SQL hash join of it against the invoices (by the invoice number
     the charge names);
  5. prints both times, their ratio (goal within 1.5x of the floor) and the peak memory
     (goal under 1 GB), and, beside them, what starting the command costs before it reads
     a row (`reconcile payments --help` timed the same way), so the run's own time
     shows apart from the application's start-up;
  6. and the least any run that keeps what each transaction tied to can take: starting
     the command, the \\copy, and the floor's join written into a bare table (a row per
     transaction with its typed amounts, time, payout and the invoice it tied to; no
     index, key or check).

The database is dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

import flask_migrate
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.bench_report_import import HEADER, generate
from tests.benchmarks.generate import analyze
from tests.benchmarks.generate_billing import copy_rows, move_sequences

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/portal_bench_reconcile"
SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
GOAL_RATIO, GOAL_MEMORY_MB = 1.5, 1024
SEED = 1414
PER_PAYOUT = 1_000
PAID_FROM = datetime(2026, 6, 1, tzinfo=UTC)  # a million charges 7 s apart end in August
PAYMENT_COLUMNS = ("id", "customer_id", "currency", "amount_minor", "received_at", "method",
                   "reference", "source", "external_id", "named_invoices", "payment_class",
                   "payer_note", "note", "created_at")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV, DEFAULT_URL))
    parser.add_argument("--size", type=int, default=1_000_000,
                        help="invoices, payments and charges (default 1,000,000)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def charges(invoices: list[tuple[str, str, int]]):
    """(n, account, invoice number, amount, fee, at) of each invoice's payment."""
    rng = random.Random(SEED)
    for n, (account, number, total) in enumerate(invoices, 1):
        amount = total if rng.random() < 0.9 else total // 2
        yield n, account, number, amount, amount * 29 // 1000 + 30, \
            PAID_FROM + timedelta(seconds=7 * n), amount == total


def make_payments(session, invoices) -> None:
    copy_rows(session, "payment", PAYMENT_COLUMNS, (
        (n, (n - 1) % max(1, len(invoices) // 10) + 1, "USD", amount, at, "card",
         f"pi_bench{n:010d}", "stripe", f"pi_bench{n:010d}", f'["{number}"]',
         "matched" if whole else "partial", "", "", at)
        for n, _account, number, amount, _fee, at, whole in charges(invoices)))
    move_sequences(session, ("payment",))
    session.commit()


def write_report(path: str, invoices) -> int:
    """A charge per payment and, after every PER_PAYOUT charges, the payout of their nets."""
    written, owed = 0, 0
    with open(path, "w", newline="") as target:
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(HEADER)
        for n, account, number, amount, fee, at, _whole in charges(invoices):
            payout = f"po_bench{(n - 1) // PER_PAYOUT:07d}"
            writer.writerow(_row(n, account, number, amount, fee, at, payout))
            owed += amount - fee
            written += 1
            if n % PER_PAYOUT == 0 or n == len(invoices):
                writer.writerow(_payout(payout, owed, at + timedelta(days=2)))
                owed, written = 0, written + 1
    return written


def _row(n, account, number, amount, fee, at, payout) -> list[str]:
    when = at.strftime("%Y-%m-%d %H:%M:%S")
    values = dict.fromkeys(HEADER, "")
    values.update({
        "balance_transaction_id": f"txn_bench{n:010d}", "created_utc": when,
        "currency": "usd", "gross": _major(amount), "fee": _major(fee),
        "net": _major(amount - fee), "reporting_category": "charge",
        "source_id": f"ch_bench{n:010d}", "automatic_payout_id": payout,
        "charge_id": f"ch_bench{n:010d}", "payment_intent_id": f"pi_bench{n:010d}",
        "payment_method_type": "card", "payment_metadata[account_number]": account,
        "payment_metadata[invoice_numbers]": number})
    return [values[name] for name in HEADER]


def _payout(payout: str, owed: int, at: datetime) -> list[str]:
    values = dict.fromkeys(HEADER, "")
    values.update({"balance_transaction_id": f"txn_{payout}",
                   "created_utc": at.strftime("%Y-%m-%d %H:%M:%S"), "currency": "usd",
                   "gross": _major(-owed), "fee": "0.00", "net": _major(-owed),
                   "reporting_category": "payout", "source_id": payout})
    return [values[name] for name in HEADER]


def _major(minor: int) -> str:
    sign, minor = ("-" if minor < 0 else ""), abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


# Forked from this process, the child would count this process's pages in its peak (Linux
# keeps the high-water mark across exec): a small middle process forks it instead and
# writes the peak of its own child to a file.
PEAK_OF_CHILD = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(done.returncode)\n")


def run_reconcile(url: str, path: str) -> tuple[float, float, str]:
    """The CLI in a child process: wall seconds, its peak memory in MB, and its output."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
    peak_file = path + ".peak"
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK_OF_CHILD, peak_file, sys.executable,
                           "-m", "flask", "--app", "wsgi", "reconcile", "payments", "--file",
                           path, "--by", "benchmark"],
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"The run failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    with open(peak_file) as peak:
        peak_mb = int(peak.read()) / 1024
    return seconds, peak_mb, done.stdout


def start_up(url: str) -> float:
    """Seconds the CLI takes to start and exit without reconciling (the app's imports)."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "reconcile", "payments",
                    "--help"], env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def run_floor(url: str, path: str) -> tuple[float, float, str]:
    """psql's \\copy into a bare table of text columns, then one hash join of it against
    the invoices; the seconds of each, and the join's answer."""
    target = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    columns = ", ".join(f'"{name}" text' for name in HEADER)
    subprocess.run(["psql", target, "-qc", f"DROP TABLE IF EXISTS bare_report; "
                                          f"CREATE TABLE bare_report ({columns})"], check=True)
    started = time.perf_counter()
    subprocess.run(["psql", target, "-qc", f"\\copy bare_report FROM '{path}' "
                                          "WITH (FORMAT csv, HEADER true)"], check=True)
    copied = time.perf_counter() - started
    started = time.perf_counter()
    joined = subprocess.run(["psql", target, "-qAtc", (
        'SELECT count(*), sum(b.gross::numeric) FROM bare_report b JOIN invoice i '
        'ON i.number = b."payment_metadata[invoice_numbers]"')],
        check=True, capture_output=True, text=True).stdout.strip()
    return copied, time.perf_counter() - started, joined


def run_recording(url: str) -> float:
    """After `run_floor`: the same join written into a bare table, a row per transaction
    with the few typed values a record of what it tied to needs (no index, no key, no
    check): the least writing a run that keeps its ties must add to the floor."""
    target = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    subprocess.run(["psql", target, "-qc", (
        'CREATE TABLE bare_ties AS SELECT b.balance_transaction_id, b.reporting_category, '
        'upper(b.currency) AS currency, (b.gross::numeric * 100)::bigint AS gross_minor, '
        '(b.fee::numeric * 100)::bigint AS fee_minor, (b.net::numeric * 100)::bigint AS '
        'net_minor, b.created_utc::timestamp AS created_utc, b.automatic_payout_id, i.id '
        'AS invoice_id FROM bare_report b LEFT JOIN invoice i '
        'ON i.number = b."payment_metadata[invoice_numbers]"')], check=True)
    return time.perf_counter() - started


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": SECRET_KEY})
    workdir = tempfile.mkdtemp(prefix="bench_reconcile_")
    report = os.path.join(workdir, "report.csv")
    with app.app_context():
        flask_migrate.upgrade()
        started = time.perf_counter()
        invoices = generate(db.session, args.size)
        make_payments(db.session, invoices)
        analyze(db.engine)
        print(f"Generated {len(invoices):,} invoices and payments in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        rows = write_report(report, invoices)
        del invoices
        db.session.remove()
        db.engine.dispose()
    print(f"Report: {rows:,} balance transactions, "
          f"{os.path.getsize(report) / 2**20:.1f} MiB", flush=True)
    seconds, peak_mb, output = run_reconcile(args.database_url, report)
    print(output)
    starting = start_up(args.database_url)
    copied, joined, answer = run_floor(args.database_url, report)
    recording = run_recording(args.database_url)
    floor = copied + joined
    print(f"reconcile payments: {rows:,} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s,"
          f" peak memory {peak_mb:,.0f} MB (goal < {GOAL_MEMORY_MB} MB: "
          f"{'yes' if peak_mb < GOAL_MEMORY_MB else 'NO'})")
    print(f"floor: \\copy {copied:.1f} s + hash join {joined:.1f} s = {floor:.1f} s "
          f"(join: {answer})")
    ratio = seconds / floor
    print(f"ratio: {ratio:.2f}x the floor (goal <= {GOAL_RATIO}x: "
          f"{'yes' if ratio <= GOAL_RATIO else 'NO'}; load average {os.getloadavg()[0]:.1f})")
    print(f"of the run, starting the command: {starting:.1f} s; the rest {seconds - starting:.1f} s"
          f" = {(seconds - starting) / floor:.2f}x the floor")
    least = starting + copied + recording
    print(f"the least a run that keeps its ties can take: starting {starting:.1f} s + \\copy "
          f"{copied:.1f} s + the join written as a bare table {recording:.1f} s = {least:.1f} s"
          f" = {least / floor:.2f}x the floor")
    harness.keep_or_drop(args.database_url, args.keep)


if __name__ == "__main__":
    main()
