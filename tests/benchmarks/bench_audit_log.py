"""The CPNI disclosure log on PostgreSQL: appending from concurrent writers, old scheme
against new in the same run, and verifying a large log.

Run by hand from the repository root (pytest does not collect bench_* files):

    .venv/bin/python -m tests.benchmarks.bench_audit_log [--appends N] [--writers W]
                                                         [--verify-entries N] [--keep]

It drops and recreates a throwaway database (default portal_bench; --database-url or
BENCH_DATABASE_URL), migrates it, and then:

  - the old scheme: W threads append N disclosures between them, one per transaction (a
    partner's page view of one account), each with `old_append` below, a faithful copy of
    the append before issue 12: create the head if missing, lock it FOR UPDATE, chain,
    insert, move the head, commit. Every writer waits for the one before;
  - the new scheme, in the same run on the emptied log: the same writers insert unsealed
    entries (no shared lock) and seal right after each transaction as the embedded default
    does after a request (skipping when another sealer is at work), then one final seal;
    and again with the sealing left to one `audit seal` at the end (AUDIT_SEALING=worker).
    Prints appends per second and the ratio new/old;
  - the verifier: loads N sealed entries (chained under the key, written with COPY), writes
    their checkpoint, and times `audit verify`'s check of them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta

import flask_migrate
import sqlalchemy as sa
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from billing.core.db import insert_if_missing
from billing.cpni import approvals as cpni
from billing.cpni import checkpoints
from billing.cpni.audit import CHAIN, GENESIS, chain_hash
from billing.cpni.models import AuditChainHead, CpniDisclosure
from billing.parties.users import User
from portal import audit_log, create_app
from portal.extensions import db
from tests.benchmarks import harness
from tests.factories import make_billing_staff, make_customer

KEY = "benchmark-audit-log-key-that-is-long-enough-0123"
COLUMNS = ("customer_id", "user_id", "partner_id", "surface", "purpose", "subject",
           "verification", "occurred_at", "sequence", "previous_hash", "entry_hash")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(harness.URL_ENV,
                                                                 harness.DEFAULT_URL))
    parser.add_argument("--appends", type=int, default=10_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--verify-entries", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def old_append(session: Session, rows: list[dict]) -> None:
    """The append as it was before issue 12 (billing/cpni/audit.py at e853ca6): every
    writer locks the one head row, chains with the public formula and moves the head."""
    insert_if_missing(session, AuditChainHead, "chain", chain=CHAIN, last_sequence=0,
                      last_hash=GENESIS)
    head = session.execute(
        select(AuditChainHead.last_sequence, AuditChainHead.last_hash)
        .where(AuditChainHead.chain == CHAIN).with_for_update()
    ).one()
    sequence, last_hash = head
    for row in rows:
        sequence += 1
        row.update(sequence=sequence, previous_hash=last_hash)
        last_hash = row["entry_hash"] = chain_hash(row, last_hash)
    session.execute(insert(CpniDisclosure), rows)
    session.execute(update(AuditChainHead).where(AuditChainHead.chain == CHAIN)
                    .values(last_sequence=sequence, last_hash=last_hash))


def _row(user_id: int, customer_id: int, now: datetime) -> dict:
    return {"customer_id": customer_id, "user_id": user_id, "partner_id": None,
            "surface": "page", "purpose": "billing", "subject": "invoice", "occurred_at": now,
            "verification": None}


def _run_writers(app, count: int, writers: int, write_one) -> float:
    """`writers` threads, `count` transactions between them; the wall time."""
    barrier = threading.Barrier(writers + 1)
    errors: list = []

    def writer(share: int):
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(share):
                    write_one()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (reported after the run)
            errors.append(error)

    shares = [count // writers + (1 if n < count % writers else 0) for n in range(writers)]
    threads = [threading.Thread(target=writer, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"a writer failed: {errors[0]!r}")
    return time.perf_counter() - started


def _empty_log(app) -> None:
    """As an administrator, past the append-only triggers; with new checkpoints, or the
    next run's would look like a wiped log (which it is)."""
    app.config["AUDIT_CHECKPOINT_DIR"] = tempfile.mkdtemp()
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        connection.execute(sa.text("DELETE FROM cpni_disclosure"))
        connection.execute(sa.text("DELETE FROM audit_chain_head"))


def appending(app, args, user_id: int, customer_id: int) -> None:
    now = datetime.now(UTC)

    def old():
        old_append(db.session, [_row(user_id, customer_id, now)])
        db.session.commit()

    def new(seal: bool):
        def write():
            cpni.record_disclosures(db.session, user=user, customer_ids=[customer_id],
                                    surface="page", purposes={customer_id: "billing"},
                                    subject="invoice", now=now)
            db.session.commit()
            if seal:
                audit_log.seal(wait=False, rounds=audit_log.ROUNDS)
        return write

    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
    results = {"old": _run_writers(app, args.appends, args.writers, old)}
    _empty_log(app)
    results["new, sealed after each"] = _run_writers(app, args.appends, args.writers,
                                                     new(True))
    with app.app_context():
        started = time.perf_counter()
        audit_log.seal()
        results["new, sealed after each"] += time.perf_counter() - started
        verdict = audit_log.verify()
        assert verdict.ok, verdict
    _empty_log(app)
    results["new, one seal at the end"] = _run_writers(app, args.appends, args.writers,
                                                       new(False))
    with app.app_context():
        started = time.perf_counter()
        audit_log.seal()
        sealing = time.perf_counter() - started
        results["new, one seal at the end"] += sealing
        verdict = audit_log.verify()
        assert verdict.ok, verdict
    _empty_log(app)
    print(f"Appending {args.appends:,} disclosures from {args.writers} writers, one per "
          "transaction:")
    for name, seconds in results.items():
        print(f"  {name:28} {seconds:7.2f} s  {args.appends / seconds:8,.0f}/s  "
              f"{results['old'] / seconds:5.2f}x the old scheme")
    print(f"  (of which the final seal of {args.appends:,} entries: {sealing:.2f} s)")


def verifying(app, args, user_id: int, customer_id: int) -> None:
    key, count = KEY.encode(), args.verify_entries
    start = datetime.now(UTC) - timedelta(days=400)
    started = time.perf_counter()
    last = GENESIS
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY cpni_disclosure ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for sequence in range(1, count + 1):
                    row = {**_row(user_id, customer_id, start + timedelta(seconds=sequence)),
                           "sequence": sequence}
                    row["previous_hash"], last = last, chain_hash(row, last, key)
                    row["entry_hash"] = last
                    copy.write_row([row[name] for name in COLUMNS])
            raw.commit()
        finally:
            raw.close()
        db.session.execute(update(AuditChainHead).values(last_sequence=count, last_hash=last)
                           if db.session.get(AuditChainHead, CHAIN) else
                           insert(AuditChainHead).values(chain=CHAIN, last_sequence=count,
                                                         last_hash=last))
        db.session.commit()
        checkpoints.write(audit_log.checkpoint_dir(), key, count=count, head=last,
                          now=datetime.now(UTC))
        loaded = time.perf_counter() - started
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(sa.text("VACUUM ANALYZE cpni_disclosure"))
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        started = time.perf_counter()
        verdict = audit_log.verify()
        seconds = time.perf_counter() - started
        db.session.rollback()
    assert verdict.ok and verdict.entries == count, verdict
    print(f"Verifying {count:,} sealed entries (loaded and chained in {loaded:.1f} s): "
          f"{seconds:.1f} s, {count / seconds:,.0f} entries/s.")


def main(argv=None) -> None:
    args = parse_args(argv)
    harness.recreate_database(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "AUDIT_LOG_KEY": KEY,
                      "SECRET_KEY": KEY, "AUDIT_CHECKPOINT_DIR": tempfile.mkdtemp(),
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.writers + 2}})
    with app.app_context():
        flask_migrate.upgrade()
        print(f"PostgreSQL {harness.server_version(db.engine)}")
        user_id = make_billing_staff(db.session, "billing_supervisor", "boss@bench.test").id
        customer_id = make_customer(db.session, "AUDIT-1", "Bench Customer").id
        db.session.commit()
    if args.appends:
        appending(app, args, user_id, customer_id)
    if args.verify_entries:
        verifying(app, args, user_id, customer_id)
    with app.app_context():
        db.engine.dispose()
    harness.keep_or_drop(args.database_url, args.keep)


if __name__ == "__main__":
    main()
