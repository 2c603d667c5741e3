"""Disputes at volume, on PostgreSQL: filing, the escalation job, the staff queue.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_disputes [--disputes N] [--keep]

It drops and recreates a throwaway database (default portal_bench on the local server;
--database-url or BENCH_DATABASE_URL to change it), migrates it (which seeds the default
escalation path), makes one customer with an issued invoice per 5 disputes, and then:

  - files N disputes through billing.disputes.filing.file_dispute, spread over the last 30 days
    (so most are past their tier-1 deadline), and prints disputes per second;
  - runs the escalation job (billing.disputes.escalation.escalate_overdue) and prints how many it
    escalated, the time, and escalations per second; then runs it again, which must
    escalate nothing, and prints that time (the cost of a scheduled run with no work);
  - times the staff queue page (/staff/disputes/, first page and page 50) and the
    reports page through the Flask test client, logged in as a billing supervisor
    through the real login and second-factor forms: mean and p95 latency and SQL
    statements per request.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta

import flask_migrate
import pyotp
from sqlalchemy import func, select

from billing.disputes import escalation, filing
from billing.disputes.models import Dispute
from portal import create_app
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.generate import analyze
from tests.conftest import csrf_token
from tests.factories import make_billing_staff, make_customer, make_invoice, make_user

SECRET_KEY = "benchmark-secret-key-that-is-long-enough-0123456789"
TOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PER_INVOICE = 5


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV,
                                                                 harness.DEFAULT_URL))
    parser.add_argument("--disputes", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def generate(session, count: int, now: datetime):
    """Customers, invoices and `count` disputes filed over the last 30 days."""
    filer_for = {}
    invoices = []
    for number in range(max(1, count // PER_INVOICE)):
        customer = make_customer(session, f"BD-{number:06d}", f"Bench Customer {number}")
        invoice = make_invoice(session, customer, f"USD-BENCH-{number:06d}", status="draft")
        invoice.status, invoice.issue_date = "issued", (now - timedelta(days=40)).date()
        filer_for[invoice.id] = make_user(session, f"ap{number}@bench.test", "customer_admin",
                                          customer=customer)
        invoices.append(invoice)
    session.commit()
    started = time.perf_counter()
    for index in range(count):
        invoice = invoices[index % len(invoices)]
        filed = now - timedelta(minutes=30 * 24 * 60 * index // count + 1)
        filing.file_dispute(session, invoice=invoice, user=filer_for[invoice.id],
                            reason="wrong_rate", description=f"Bench dispute {index}",
                            amount_minor=100 + index % 1000, now=filed)
        if index % 500 == 499:
            session.commit()
    session.commit()
    return time.perf_counter() - started


def staff_client(app):
    client = app.test_client()
    token = csrf_token(client, "/auth/login")
    client.post("/auth/login", data={"csrf_token": token, "email": "boss@bench.test",
                                     "password": "Quiet-Meadow-Lantern-7"})
    token = csrf_token(client, "/auth/totp")
    response = client.post("/auth/totp", data={"csrf_token": token,
                                               "code": pyotp.TOTP(TOTP).now()})
    if response.status_code != 302:
        raise SystemExit("staff login failed")
    return client


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": SECRET_KEY,
                      "PDF_CACHE_DIR": tempfile.mkdtemp(), "MAIL_DELIVERY": "worker"})
    now = datetime.now(UTC)
    with app.app_context():
        flask_migrate.upgrade()
        make_billing_staff(db.session, "billing_supervisor", "boss@bench.test")
        seconds = generate(db.session, args.disputes, now)
        print(f"Filed {args.disputes:,} disputes in {seconds:.1f} s "
              f"({args.disputes / seconds:,.0f}/s), one transaction per 500.")
        analyze(db.engine)
        overdue = db.session.scalar(select(func.count()).select_from(Dispute)
                                    .where(Dispute.deadline_at < now))
        started = time.perf_counter()
        done = escalation.escalate_overdue(db.session, now)
        job = time.perf_counter() - started
        print(f"Escalation job: {len(done):,} of {overdue:,} overdue escalated in {job:.1f} s "
              f"({len(done) / job:,.0f}/s, one transaction each).")
        started = time.perf_counter()
        again = escalation.escalate_overdue(db.session, now)
        print(f"Second run: {len(again)} escalated in "
              f"{(time.perf_counter() - started) * 1000:.0f} ms.")
    with app.app_context():
        query_log = harness.QueryLog().attach(db.engine)
        client = staff_client(app)
        results = [harness.measure(name, _getter(client, path), query_log, warmup=3,
                                   runs=args.requests)
                   for name, path in [("queue, first page", "/staff/disputes/"),
                                      ("queue, page 50", "/staff/disputes/?page=50"),
                                      ("reports", "/staff/dispute-reports")]]
        print(harness.table(results, goal_ms=300.0))
    harness.keep_or_drop(args.database_url, args.keep)


def _getter(client, path):
    def call():
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"GET {path}: {response.status_code}")
        return response.get_data(as_text=True)

    return call


if __name__ == "__main__":
    main()
