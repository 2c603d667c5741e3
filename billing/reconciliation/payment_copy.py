"""Staging a report file on PostgreSQL without a Python loop over its rows.

A million-row report read row by row in Python costs many times what the database takes
to load and join it, so on PostgreSQL the file is copied as it is (COPY, text columns)
into a temporary table and checked and converted there:

- a clean file (every row plainly valid, the common case) is inserted, tied and classed
  in one pass (`payment_onepass`), which also opens its exceptions and counts its figures;
- otherwise the careful way: every row that the set-based checks (`payment_sql`) do not
  find plainly valid (a rule of `report_rows.parse_row` broken, a time written otherwise
  than Stripe writes it, an id seen twice, a long list of invoices) is read back and
  checked by `parse_row` itself, so the problems and their messages are the ones the
  row-by-row path gives, and the rows it accepts after all are staged from Python; the
  others are converted and inserted by one INSERT ... SELECT, which also makes the first
  tie of `payment_matching` (charges to their payments), and `payment_matching` ties
  the rest.

The set-based checks may flag a valid row (it is then checked in Python), never pass an
invalid one. A file COPY cannot read as it is (a row of another width, a blank line, text
that is not UTF-8) is left to the row-by-row path, which names the problem: `stage_copy`
returns None. Line numbers assume one line per row (no line breaks inside cells).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import text
from sqlalchemy.orm import Session

from billing.core.bulk import insert_rows
from billing.core.errors import InvalidInput
from billing.imports.core import RowError, RowInvalid
from billing.payments.report_rows import ACCOUNT, OPTIONAL, REQUIRED
from billing.reconciliation.payment_input import (
    Staged,
    add_problem,
    checked_row,
    item_row,
    missing_columns,
)
from billing.reconciliation.payment_matching import PAID_IN
from billing.reconciliation.payment_models import ReconciliationItem
from billing.reconciliation.payment_onepass import insert_tied
from billing.reconciliation.payment_sql import (
    created_at,
    filled,
    minor,
    month_of,
    padded,
    valid,
)

RAW, FLAGGED = "reconciliation_raw", "reconciliation_flagged"


def stage_copy(session: Session, run_id: int, stream: BinaryIO, now: datetime,
               progress: Callable[[int], None]) -> Staged | None:
    """Stage the file as `payment_input.stage` would, or None to have it do so. A clean
    file comes back tied already (`Staged.figures`)."""
    header = _header(stream)
    columns = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    copied = _copied(session, stream, len(header))
    if copied is None:
        return None
    v = {name: f"c{at}" for name, at in columns.items()}
    any_cell = filled([f"c{at}" for at in range(len(header))], v["balance_transaction_id"])
    staged = insert_tied(session, run_id, RAW, v, any_cell, copied, now)
    if staged is None:
        staged = _stage_carefully(session, run_id, columns, v, any_cell, now)
    session.execute(text(f"DROP TABLE {RAW}; DROP TABLE IF EXISTS {FLAGGED}"))
    progress(staged.rows)
    return staged


def _stage_carefully(session: Session, run_id: int, columns: dict, v: dict, any_cell: str,
                     now: datetime) -> Staged:
    # The columns the flagging and the join to the payments read: their statistics
    # choose hash joins; all 30-odd columns would cost more than the rest.
    keys = ", ".join(v[name] for name in ("balance_transaction_id", "payment_intent_id"))
    session.execute(text(f"ANALYZE {RAW} (n, {keys})"))
    _flag(session, v, any_cell, now)
    staged = Staged()
    late = _check_flagged(session, run_id, staged, columns, now)
    if staged.ok:
        staged.rows += session.execute(text(_insert(v, any_cell)),
                                       {"run_id": run_id}).rowcount
        insert_rows(session, ReconciliationItem.__table__, late)
        session.execute(text("ANALYZE reconciliation_item (run_id, reporting_category, "
                             "item_class, payment_id, payout_id)"))
    if not staged.rows and staged.ok:
        add_problem(staged, RowError(2, "", "The input has no balance transactions."))
    return staged


def _flag(session: Session, v: dict, any_cell: str, now: datetime) -> None:
    """The rows (by n) the set-based checks do not find plainly valid, ids seen twice
    included, into their own temporary table: the checks run once per row. A cell with
    white space around it is flagged too (Python strips it), so the checks and the
    conversion read the cells as they are."""
    bt = v["balance_transaction_id"]
    session.execute(text(
        f"CREATE TEMPORARY TABLE {FLAGGED} ON COMMIT DROP AS "
        f"SELECT n FROM {RAW} WHERE {any_cell} AND ({padded(v)} OR NOT ({valid(v, now)}) "
        f"OR {bt} IN (SELECT {bt} FROM {RAW} GROUP BY 1 HAVING count(*) > 1))"))


def _header(stream: BinaryIO) -> list[str]:
    first = stream.readline().decode("utf-8-sig", errors="replace")
    header = [name.strip() for name in next(csv.reader([first]), [])]
    if not header:
        raise InvalidInput("The file is empty.")
    missing_columns(header)
    return header


def _copied(session: Session, stream: BinaryIO, width: int) -> int | None:
    """COPY the rest of the file into the temporary table: the rows copied, or None if
    COPY refused it."""
    cells = ", ".join(f"c{at}" for at in range(width))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {RAW} (n bigint GENERATED ALWAYS AS IDENTITY, "
        f"{', '.join(f'c{at} text' for at in range(width))}) ON COMMIT DROP"))
    try:
        with session.begin_nested():
            raw = session.connection().connection.driver_connection
            with raw.cursor() as cursor:
                with cursor.copy(
                        f"COPY {RAW} ({cells}) FROM STDIN WITH (FORMAT csv, ENCODING 'UTF8', "
                        f"FORCE_NOT_NULL ({cells}))") as copy:
                    # Small blocks: psycopg queues what the server has not taken yet.
                    for block in iter(lambda: stream.read(1 << 16), b""):
                        copy.write(block)
                return cursor.rowcount
    except Exception as refused:  # the driver's own error: COPY bypasses SQLAlchemy
        if getattr(refused, "sqlstate", None) is None:
            raise
        session.execute(text(f"DROP TABLE IF EXISTS {RAW}"))
        stream.seek(0)
        return None


def _check_flagged(session: Session, run_id: int, staged: Staged, columns: dict,
                   now: datetime) -> list[dict]:
    """Check every flagged row by `parse_row`; returns the items of those it accepts."""
    seen: dict[str, int] = {}
    late = []
    cells = ", ".join(f"c{at}" for at in columns.values())
    for n, *values in session.execute(text(
            f"SELECT n, {cells} FROM {RAW} JOIN {FLAGGED} USING (n) ORDER BY n")
    ).yield_per(2_000):
        line = n + 1
        try:
            row = checked_row(line, {name: value.strip() for name, value
                                     in zip(columns, values, strict=True)}, now, seen)
        except RowInvalid as invalid:
            add_problem(staged, RowError(line, invalid.column, invalid.message))
            continue
        staged.rows += 1
        late.append(item_row(run_id, row))
    return late


def _insert(v: dict, any_cell: str) -> str:
    """Convert and insert the rows not flagged, each charge, refund or dispute already
    tied to the payment of its PaymentIntent id (else charge id) and a charge classed as
    its payment, as `payment_matching` would: one pass instead of an insert and an update."""
    cur, cat = v["currency"], v["reporting_category"]
    created = "at_utc.created"
    paid_in = "', '".join(PAID_IN)
    outside_id = f"CASE WHEN {v['payment_intent_id']} <> '' THEN {v['payment_intent_id']} " \
                 f"ELSE {v['charge_id']} END"
    return (
        "INSERT INTO reconciliation_item (run_id, line, balance_transaction_id, "
        "reporting_category, currency, gross_minor, fee_minor, net_minor, created_utc, month, "
        "source_id, charge_id, payment_intent_id, payout_id, account_number, payment_id, "
        f"item_class) SELECT :run_id, n + 1, {v['balance_transaction_id']}, {cat}, "
        f"upper({cur}), " + ", ".join(minor(v[name], cur) for name in ("gross", "fee", "net"))
        + f", {created}, {month_of(created)}, "
        f"{v['source_id']}, {v['charge_id']}, {v['payment_intent_id']}, "
        f"{v['automatic_payout_id']}, {v[ACCOUNT]}, payment.id, "
        f"CASE WHEN {cat} = 'charge' AND payment.id IS NOT NULL THEN payment.payment_class "
        f"ELSE '' END FROM {RAW} CROSS JOIN LATERAL (SELECT {created_at(v['created_utc'])} "
        f"AS created) AS at_utc LEFT JOIN payment ON {cat} IN ('{paid_in}') "
        f"AND payment.external_id = {outside_id} "
        f"WHERE {any_cell} AND NOT EXISTS (SELECT 1 FROM {FLAGGED} WHERE {FLAGGED}.n = {RAW}.n)")
