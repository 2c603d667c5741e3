"""Staging a report file on PostgreSQL without a Python loop over its rows.

A million-row report read row by row in Python costs many times what the database takes
to load and join it, so on PostgreSQL the file is copied as it is (COPY, text columns)
into a temporary table and checked and converted there, in a few statements:

- every row that the set-based checks do not find plainly valid (a rule of
  `report_rows.parse_row` broken, a time written otherwise than Stripe writes it, an id
  seen twice, a long list of invoices) is read back and checked by `parse_row` itself,
  so the problems and their messages are the ones the row-by-row path gives; the rows it
  accepts after all are staged from Python;
- the others are converted and inserted into `reconciliation_item` by one INSERT ... SELECT,
  which also makes the first tie of `payment_matching` (charges to their payments) in
  the same pass.

The set-based checks may flag a valid row (it is then checked in Python), never pass an
invalid one. A file COPY cannot read as it is (a row of another width, a blank line, text
that is not UTF-8) is left to the row-by-row path, which names the problem: `stage_copy`
returns None. Line numbers assume one line per row (no line breaks inside cells).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime
from typing import BinaryIO

from sqlalchemy import text
from sqlalchemy.orm import Session

from billing.core.bulk import insert_rows
from billing.core.clock import FIRST_YEAR, LAST_INSTANT_YEAR, PROVIDER_TZ
from billing.core.errors import InvalidInput
from billing.core.money import MAX_MINOR, MINOR_DIGITS
from billing.imports.core import RowError, RowInvalid
from billing.payments.report_rows import (
    ACCOUNT,
    INVOICES,
    METHODS,
    OPTIONAL,
    REQUIRED,
    SIGNS,
)
from billing.reconciliation.payment_input import (
    Staged,
    add_problem,
    checked_row,
    item_row,
    missing_columns,
)
from billing.reconciliation.payment_matching import PAID_IN
from billing.reconciliation.payment_models import ReconciliationItem

RAW, FLAGGED = "reconciliation_raw", "reconciliation_flagged"
_STRIPE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"


def stage_copy(session: Session, run_id: int, stream: BinaryIO, now: datetime,
               progress: Callable[[int], None]) -> Staged | None:
    """Stage the file as `payment_input.stage` would, or None to have it do so."""
    header = _header(stream)
    columns = {name: header.index(name) for name in REQUIRED + OPTIONAL if name in header}
    keys = [columns[name] for name in ("balance_transaction_id", "payment_intent_id")]
    if not _copied(session, stream, len(header), keys):
        return None
    v = {name: f"c{at}" for name, at in columns.items()}
    cells = ", ".join(f"c{at}" for at in range(len(header)))
    filled = f"btrim(concat({cells}), E' \\t\\r\\n') <> ''"
    _flag(session, v, filled, now, columns)
    staged = Staged()
    late = _check_flagged(session, run_id, staged, columns, now)
    if staged.ok:
        staged.rows += session.execute(text(_insert(v, filled)), {"run_id": run_id}).rowcount
        insert_rows(session, ReconciliationItem.__table__, late)
        session.execute(text("ANALYZE reconciliation_item (run_id, reporting_category, "
                             "item_class, payment_id, payout_id)"))
    if not staged.rows and staged.ok:
        add_problem(staged, RowError(2, "", "The input has no balance transactions."))
    session.execute(text(f"DROP TABLE {RAW}; DROP TABLE {FLAGGED}"))
    progress(staged.rows)
    return staged


def _flag(session: Session, v: dict, filled: str, now: datetime, columns: dict) -> None:
    """The rows (by n) the set-based checks do not find plainly valid, ids seen twice
    included, into their own temporary table: the checks run once per row. A cell with
    white space around it is flagged too (Python strips it), so the checks and the
    conversion read the cells as they are."""
    bt = v["balance_transaction_id"]
    joined = f"concat_ws(E'\\x01', {', '.join(v.values())})"
    padded = f"{joined} ~ E'(^|\\x01)\\\\s|\\\\s(\\x01|$)'"
    session.execute(text(
        f"CREATE TEMPORARY TABLE {FLAGGED} ON COMMIT DROP AS "
        f"SELECT n FROM {RAW} WHERE {filled} AND ({padded} OR NOT ({_valid(v, now)}) "
        f"OR {bt} IN (SELECT {bt} FROM {RAW} GROUP BY 1 HAVING count(*) > 1))"))


def _header(stream: BinaryIO) -> list[str]:
    first = stream.readline().decode("utf-8-sig", errors="replace")
    header = [name.strip() for name in next(csv.reader([first]), [])]
    if not header:
        raise InvalidInput("The file is empty.")
    missing_columns(header)
    return header


def _copied(session: Session, stream: BinaryIO, width: int, keys: list[int]) -> bool:
    """COPY the rest of the file into the temporary table; False if COPY refused it."""
    cells = ", ".join(f"c{at}" for at in range(width))
    session.execute(text(
        f"CREATE TEMPORARY TABLE {RAW} (n bigint GENERATED ALWAYS AS IDENTITY, "
        f"{', '.join(f'c{at} text' for at in range(width))}) ON COMMIT DROP"))
    try:
        with session.begin_nested():
            raw = session.connection().connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {RAW} ({cells}) FROM STDIN WITH (FORMAT csv, ENCODING 'UTF8', "
                    f"FORCE_NOT_NULL ({cells}))") as copy:
                # Small blocks: psycopg queues what the server has not taken yet.
                for block in iter(lambda: stream.read(1 << 16), b""):
                    copy.write(block)
    except Exception as refused:  # the driver's own error: COPY bypasses SQLAlchemy
        if getattr(refused, "sqlstate", None) is None:
            raise
        session.execute(text(f"DROP TABLE IF EXISTS {RAW}"))
        stream.seek(0)
        return False
    # The columns the flagging and the join to the payments read: their statistics
    # choose hash joins; all 30-odd columns would cost more than the rest.
    session.execute(text(f"ANALYZE {RAW} (n, {', '.join(f'c{at}' for at in keys)})"))
    return True


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


def _valid(v: dict, now: datetime) -> str:
    """The set-based checks, as SQL over the trimmed cells `v`."""
    cur = v["currency"]
    checks = [
        f"{v['balance_transaction_id']} <> '' AND length({v['balance_transaction_id']}) <= 100",
        f"{v['reporting_category']} <> '' AND length({v['reporting_category']}) <= 50",
        f"{_digits(cur)} IS NOT NULL",
        *(_amount(v[name], cur) for name in ("gross", "fee", "net")),
        f"{v['gross']}::numeric - {v['fee']}::numeric = {v['net']}::numeric",
        _time(v["created_utc"]),
        f"({v['created_utc']})::timestamp <= "
        f"'{now.astimezone(UTC).replace(tzinfo=None).isoformat()}'::timestamp",
        *(f"({v[name]} = '' OR {_time(v[name])})" for name in
          ("available_on_utc", "automatic_payout_effective_at_utc") if name in v),
        *(f"length({v[name]}) <= 100" for name in
          ("source_id", "customer_id", "charge_id", "payment_intent_id", "automatic_payout_id")),
        f"length({v[ACCOUNT]}) <= 20", f"length({v[INVOICES]}) <= 40",
        _signs_and_ties(v), _facing(v),
    ]
    # Each check runs only once those before it hold (a cast never sees a bad value).
    return "CASE " + " ".join(f"WHEN NOT ({check}) THEN false" for check in checks) + \
        " ELSE true END"


def _amount(value: str, currency: str) -> str:
    """Written like -1250.50, no more decimals than the currency has, within MAX_MINOR
    (a whole part short enough needs no arithmetic)."""
    pattern = f"CASE upper({currency}) " + " ".join(
        f"WHEN '{code}' THEN '^-?[0-9]+(\\.[0-9]{{1,{places}}})?$'" if places else
        f"WHEN '{code}' THEN '^-?[0-9]+$'" for code, places in MINOR_DIGITS.items()) + " END"
    short = len(str(MAX_MINOR)) - max(MINOR_DIGITS.values())
    return (f"CASE WHEN {_digits(currency)} IS NULL THEN false "
            f"WHEN {value} !~ ({pattern}) THEN false "
            f"WHEN length(split_part(ltrim({value}, '-'), '.', 1)) < {short} THEN true "
            f"WHEN length(split_part(ltrim({value}, '-'), '.', 1)) > 12 THEN false "
            f"ELSE abs({value}::numeric) * {_scale(currency)} <= {MAX_MINOR} END")


def _digits(currency: str) -> str:
    return f"CASE upper({currency}) " + " ".join(
        f"WHEN '{code}' THEN {places}" for code, places in MINOR_DIGITS.items()) + " END"


def _scale(currency: str) -> str:
    """Minor units per major unit, an integer: amounts stay exact numerics."""
    return f"CASE upper({currency}) " + " ".join(
        f"WHEN '{code}' THEN {10 ** places}" for code, places in MINOR_DIGITS.items()) + " END"


def _time(value: str) -> str:
    part = f"substr({value}, {{start}}, {{length}})::int"
    year, month, day = (part.format(start=s, length=n) for s, n in ((1, 4), (6, 2), (9, 2)))
    hour, minute, second = (part.format(start=s, length=2) for s in (12, 15, 18))
    return (f"CASE WHEN {value} !~ '{_STRIPE_TIME}' THEN false "
            f"WHEN NOT ({year} BETWEEN {FIRST_YEAR} AND {LAST_INSTANT_YEAR} AND {month} "
            f"BETWEEN 1 AND 12 AND {hour} < 24 AND {minute} < 60 AND {second} < 60) THEN false "
            f"WHEN {day} BETWEEN 1 AND 28 THEN true "
            f"ELSE {day} <= extract(day from make_date({year}, {month}, 1) "
            f"+ interval '1 month' - interval '1 day') END")


def _signs_and_ties(v: dict) -> str:
    cat, gross = v["reporting_category"], v["gross"]
    above = "', '".join(c for c, sign in SIGNS.items() if sign > 0)
    below = "', '".join(c for c, sign in SIGNS.items() if sign < 0)
    methods = "', '".join(METHODS)
    return (f"CASE WHEN {cat} IN ('{above}') THEN {gross}::numeric > 0 "
            f"WHEN {cat} IN ('{below}') THEN {gross}::numeric < 0 ELSE true END "
            f"AND ({cat} NOT IN ('{above}', '{below}') OR {v['payment_intent_id']} <> '' "
            f"OR {v['charge_id']} <> '') "
            f"AND ({cat} NOT IN ('refund', 'dispute') OR {v['source_id']} <> '') "
            f"AND ({cat} <> 'charge' OR {v['payment_method_type']} IN ('{methods}'))")


def _facing(v: dict) -> str:
    if "customer_facing_currency" not in v or "customer_facing_amount" not in v:
        return "true"
    cur, amount = v["customer_facing_currency"], v["customer_facing_amount"]
    return (f"CASE WHEN {cur} = '' OR {amount} = '' THEN true "
            f"ELSE {_amount(amount, cur)} END")


def _insert(v: dict, filled: str) -> str:
    """Convert and insert the rows not flagged, each charge, refund or dispute already
    tied to the payment of its PaymentIntent id (else charge id) and a charge classed as
    its payment, as `payment_matching` would: one pass instead of an insert and an update."""
    cur, cat = v["currency"], v["reporting_category"]
    scale = _scale(cur)
    created = "at_utc.created"
    paid_in = "', '".join(PAID_IN)
    outside_id = f"CASE WHEN {v['payment_intent_id']} <> '' THEN {v['payment_intent_id']} " \
                 f"ELSE {v['charge_id']} END"
    return (
        "INSERT INTO reconciliation_item (run_id, line, balance_transaction_id, "
        "reporting_category, currency, gross_minor, fee_minor, net_minor, created_utc, month, "
        "source_id, charge_id, payment_intent_id, payout_id, account_number, payment_id, "
        f"item_class) SELECT :run_id, n + 1, {v['balance_transaction_id']}, {cat}, "
        f"upper({cur}), "
        + ", ".join(f"({v[name]}::numeric * {scale})::integer" for name in ("gross", "fee", "net"))
        + f", {created}, to_char({created} AT TIME ZONE '{PROVIDER_TZ.key}', 'YYYY-MM'), "
        f"{v['source_id']}, {v['charge_id']}, {v['payment_intent_id']}, "
        f"{v['automatic_payout_id']}, {v[ACCOUNT]}, payment.id, "
        f"CASE WHEN {cat} = 'charge' AND payment.id IS NOT NULL THEN payment.payment_class "
        f"ELSE '' END FROM {RAW} CROSS JOIN LATERAL (SELECT ({v['created_utc']})::timestamp "
        f"AT TIME ZONE 'UTC' AS created) AS at_utc LEFT JOIN payment ON {cat} IN ('{paid_in}') "
        f"AND payment.external_id = {outside_id} "
        f"WHERE {filled} AND NOT EXISTS (SELECT 1 FROM {FLAGGED} WHERE {FLAGGED}.n = {RAW}.n)")
