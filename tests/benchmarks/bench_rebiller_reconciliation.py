"""A rebiller reconciliation at volume, on PostgreSQL: one rebiller, 2,000 end customers.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_rebiller_reconciliation [--end-customers N]
        [--keep]

It drops and recreates a throwaway database (default portal_bench_rebiller on the local
server; --database-url or BENCH_DATABASE_URL to change it), migrates it, and makes one
rebiller with N end customers (default 2,000), each with two services (seats and
numbers), a wholesale invoice with each end customer's two charges and its tax, a
retail invoice per end customer issued by the portal (half of them paid), approvals of
the rebiller by half of the end customers, and a billing file of the same charges with
a few differences, all by COPY. Then it times, each in
its own transaction: reading and checking the file, the reconciliation of the file
(compare, write the rows, finish), the reconciliation from the portal's retail invoices,
and the rebiller's run page, CSV and workbook renders (the presenters, as a view would).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, date, datetime

import flask_migrate

from billing.core.clock import period_ending_in
from billing.parties.models import Partner
from billing.parties.users import User
from billing.reconciliation.rebiller_file import file_digest, read_billing_file
from billing.reconciliation.rebiller_runs import reconcile_rebiller, start_rebiller_run
from portal import create_app
from portal.extensions import db
from tests.benchmarks import harness
from tests.benchmarks.generate_billing import copy_rows, move_sequences

PERIOD = period_ending_in(2026, 5)
NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
SEAT, NUMBER = 1260, 250  # wholesale unit prices in cents


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        harness.URL_ENV, harness.DEFAULT_URL.replace("portal_bench", "portal_bench_rebiller")))
    parser.add_argument("--end-customers", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true")
    return parser.parse_args(argv)


def generate(session, count: int) -> bytes:
    """The rebiller's books and its billing file (returned as bytes)."""
    rng = random.Random(14)
    copy_rows(session, "partner", ("id", "code", "name", "kind", "tree_path", "created_at"),
              [(1, "GTX", "Bench Rebiller", "wholesale", "/1/", NOW)])
    copy_rows(session, "product", ("id", "code", "name", "kind", "unit"),
              [(1, "VOICE-SEAT", "Voice seat", "recurring", "seat"),
               (2, "TOC-NUM", "Number", "recurring", "number")])
    customers = [(1, "WS-0001", "Rebiller account", 1, "wholesale")] + [
        (c, f"E{c:06d}", f"End {c}", 1, "retail") for c in range(2, count + 2)]
    copy_rows(session, "customer", (
        "id", "account_number", "name", "partner_id", "billing_role", "email_of_record",
        "phone_of_record", "address_line1", "city", "postal_code", "country", "locale",
        "currency", "pays_own_charges", "created_at"),
        [(*c, "e@bench.test", "+1-303-555-0100", "1 Main St", "Austin", "78701", "US",
          "en_US", "USD", False, NOW) for c in customers])
    services, lines, invoices, retail_lines, payments, allocations = [], [], [], [], [], []
    file_rows = ["account_number,code,period,quantity,unit_price,amount,tax"]
    invoices.append((1, "W-1", 1, 0))
    for c in range(2, count + 2):
        seats, numbers = rng.randint(1, 40), rng.randint(1, 10)
        services += [(2 * c, c, 1, seats), (2 * c + 1, c, 2, numbers)]
        wholesale = seats * SEAT + numbers * NUMBER
        tax = wholesale * 625 // 10_000
        for kind, service, qty, amount in (
                ("recurring", 2 * c, seats, seats * SEAT),
                ("recurring", 2 * c + 1, numbers, numbers * NUMBER),
                ("tax", None, 1, tax)):
            lines.append((len(lines) + 1, 1, len(lines) + 1, kind, kind, c, service, qty, 0,
                          amount))
        billed_seats = seats - (1 if c % 17 == 0 else 0)  # a few quantity mismatches
        retail = billed_seats * 2100 + numbers * 400
        retail_tax = retail * 625 // 10_000
        file_rows.append(f"E{c:06d},VOICE-SEAT,{PERIOD.key},{billed_seats},21.00,"
                         f"{billed_seats * 21}.00,{retail_tax / 100:.2f}")
        file_rows.append(f"E{c:06d},TOC-NUM,{PERIOD.key},{numbers},4.00,{numbers * 4}.00,0.00")
        invoices.append((c, f"R-{c}", c, retail + retail_tax))
        retail_lines += [(c, 2 * c, billed_seats, billed_seats * 2100),
                         (c, 2 * c + 1, numbers, numbers * 400)]
        if c % 2:
            payments.append((c, c, retail + retail_tax))
    invoices[0] = (1, "W-1", 1, sum(line[-1] for line in lines))
    copy_rows(session, "service", ("id", "customer_id", "product_id", "quantity", "currency",
                                   "delivery", "started_on", "created_at"),
              [(*s, "USD", "private", date(2026, 1, 1), NOW) for s in services])
    copy_rows(session, "invoice", (
        "id", "number", "customer_id", "period_start", "period_end", "issue_date", "due_date",
        "status", "currency", "subtotal_minor", "tax_minor", "credit_minor", "total_minor",
        "paid_minor", "bill_to", "created_at"),
        [(i, number, customer, PERIOD.start, PERIOD.end, PERIOD.end, date(2026, 6, 24),
          "issued", "USD", total, 0, 0, total, 0, "{}", NOW)
         for i, number, customer, total in invoices])
    first = len(lines) + 1
    lines += [(first + n, invoice, 1 + n % 2, "recurring", "retail", None, service, qty, 0,
               amount) for n, (invoice, service, qty, amount) in enumerate(retail_lines)]
    copy_rows(session, "invoice_line", ("id", "invoice_id", "position", "kind", "description",
                                        "sub_account_id", "service_id", "quantity",
                                        "unit_price", "amount_minor"), lines)
    copy_rows(session, "payment", (
        "id", "customer_id", "currency", "amount_minor", "received_at", "method", "reference",
        "source", "named_invoices", "payment_class", "payer_note", "note", "created_at"),
        [(p, c, "USD", amount, NOW, "wire", "W", "staff", "[]", "matched", "", "", NOW)
         for p, c, amount in payments])
    allocations = [(p, p, c, amount, NOW) for p, c, amount in payments]
    copy_rows(session, "payment_allocation", ("id", "payment_id", "invoice_id",
                                              "amount_minor", "at"), allocations)
    copy_rows(session, "cpni_approval", ("id", "customer_id", "partner_id", "scope", "method",
                                         "approved_by_name", "approved_at"),
              [(c, c, 1, "billing_usage", "online", "Bench", NOW)
               for c in range(2, count + 2) if c % 2 == 0])
    move_sequences(session, ("partner", "product", "customer", "service", "invoice",
                             "invoice_line", "payment", "payment_allocation", "cpni_approval"))
    return ("\n".join(file_rows) + "\n").encode()


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    print(f"{label:<50} {time.perf_counter() - start:7.2f} s")
    return result


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url,
                      "SECRET_KEY": "bench-" + "x" * 40, "TESTING": True})
    try:
        with app.app_context():
            flask_migrate.upgrade()
            session = db.session
            data = generate(session, args.end_customers)
            session.commit()
            session.execute(db.text("ANALYZE"))
            session.commit()
            print(f"{args.end_customers:,} end customers, file of {len(data):,} bytes, "
                  f"PostgreSQL {harness.server_version(db.engine)}")
            rebiller = session.get(Partner, 1)
            lines = timed("read and check the billing file", lambda: read_billing_file(
                session, rebiller, PERIOD, data, NOW.date()))

            def reconcile(digest, with_lines):
                started = start_rebiller_run(session, rebiller, PERIOD, started_by="bench",
                                             now=NOW, file_digest=digest)
                reconcile_rebiller(session, started.run, now=NOW, lines=with_lines)
                session.commit()
                return started.run

            run = timed("reconcile the file (compare, write, finish)",
                        lambda: reconcile(file_digest(data), lines))
            print(f"  {run.total:,} rows; " + ", ".join(
                f"{cls} {sum(e['count'] for e in by.values()):,}"
                for cls, by in sorted(run.figures.items())))
            timed("reconcile the portal's retail invoices", lambda: reconcile(None, None))
            timed("the same file again (finds the run)", lambda: start_rebiller_run(
                session, rebiller, PERIOD, started_by="bench", now=NOW,
                file_digest=file_digest(data)))
            _render(app, run.id)
    finally:
        if not args.keep:
            with app.app_context():
                db.engine.dispose()
            harness.drop_database(args.database_url)


def _render(app, run_id: int) -> None:
    """The rebiller's run page and downloads, rendered through the test client."""
    from billing.parties.identity import hash_password

    with app.app_context():
        db.session.add(User(email="gtx@bench.test", name="Gtx", role="partner_admin",
                            partner_id=1, password_hash=hash_password("Quiet-Bench-Lantern-7")))
        db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/auth/login", data={"email": "gtx@bench.test",
                                     "password": "Quiet-Bench-Lantern-7"})
    for label, url in (("run page", f"/partner/reconciliation/{run_id}"),
                       ("CSV", f"/partner/reconciliation/{run_id}/rows.csv"),
                       ("workbook", f"/partner/reconciliation/{run_id}/workbook.xlsx")):
        response = timed(f"rebiller's {label} (half approved)",
                         lambda url=url: client.get(url))
        assert response.status_code == 200, (url, response.status_code)


if __name__ == "__main__":
    main()
