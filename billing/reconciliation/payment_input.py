"""A payment reconciliation's input, read into its run's items: all rows or none.

The input is Stripe's itemised balance-change report or its payout-reconciliation report
(the same columns, read by name as `billing.payments.report_rows` reads them, each row
checked by its `parse_row`), or the balance transactions Stripe's API lists for a window,
turned into the same rows. Rows travel into `reconciliation_item` in chunks (COPY on
PostgreSQL) as they are read, so a file of a million rows is never held in memory; a bad
row stops the writing but not the checking, and the caller rolls the run back and shows
every problem with its line.

`file_key` is what identifies a file's run: the SHA-256 of its bytes (and its line count,
for the progress bar).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from sqlalchemy.orm import Session

from billing.core.bulk import insert_rows
from billing.core.clock import PROVIDER_TZ
from billing.core.errors import InvalidInput
from billing.imports.core import MAX_ERRORS, RowError, RowInvalid, _checked, _text_lines
from billing.payments.report_rows import OPTIONAL, REQUIRED, ReportRow, parse_row
from billing.reconciliation.payment_models import ReconciliationItem

CHUNK = 5_000  # rows per write; progress is reported once per chunk
MAX_UPLOAD = 10 * 1024 * 1024  # bytes, for a file staff upload on the page


@dataclass
class Staged:
    """How staging went: the rows written, or the problems (then nothing may be kept)."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    more_errors: int = 0
    # The run's figures when staging tied the items too (`payment_onepass`), else None.
    figures: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def file_key(stream: BinaryIO) -> tuple[str, int]:
    """("sha256:<hex>", number of lines) of the whole stream, read in blocks; the stream
    is left at its start again."""
    digest, lines = hashlib.sha256(), 0
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
        lines += block.count(b"\n")
    stream.seek(0)
    return f"sha256:{digest.hexdigest()}", lines


def report_lines(stream: BinaryIO) -> Iterator[tuple[int, dict]]:
    """(line number, {column: text}) of each non-blank row; a missing column refuses the
    file at once, naming the columns."""
    reader = csv.reader(_text_lines(stream))
    header = [name.strip() for name in next(reader, None) or []]
    if not header:
        raise InvalidInput("The file is empty.")
    missing_columns(header)
    wanted = [(name, header.index(name)) for name in REQUIRED + OPTIONAL if name in header]
    for line, values in enumerate(_checked(reader), start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            yield line, {"__width__": (len(header), len(values))}
            continue
        yield line, {name: values[at].strip() for name, at in wanted}


def missing_columns(header: list[str]) -> None:
    """Refuse a header that lacks a column the reconciliation reads."""
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(f"Line 1: the report lacks the column(s) {', '.join(missing)}.")


def check(lines: Iterable[tuple[int, dict]], now: datetime) -> Staged:
    """Check every row and write nothing: what a page does before it starts a run."""
    return stage(None, 0, lines, now)


def stage(session: Session | None, run_id: int, lines: Iterable[tuple[int, dict]],
          now: datetime, progress: Callable[[int], None] = lambda rows: None) -> Staged:
    """Check each row and write it as an item of the run (without a session, only check);
    flushes, never commits. On any problem the result is not `ok`, and the caller must
    roll back what `progress` may have committed meanwhile."""
    staged, chunk, seen = Staged(), [], {}
    for line, values in lines:
        try:
            row = checked_row(line, values, now, seen)
        except RowInvalid as invalid:
            add_problem(staged, RowError(line, invalid.column, invalid.message))
            continue
        staged.rows += 1
        if staged.ok and session is not None:
            chunk.append(item_row(run_id, row))
        if len(chunk) >= CHUNK:
            _write(session, chunk, staged, progress)
    if not staged.rows and staged.ok:
        add_problem(staged, RowError(2, "", "The input has no balance transactions."))
    _write(session, chunk, staged, progress)
    return staged


def add_problem(staged: Staged, error: RowError) -> None:
    if len(staged.errors) < MAX_ERRORS:
        staged.errors.append(error)
    else:
        staged.more_errors += 1


def _write(session: Session, chunk: list[dict], staged: Staged, progress) -> None:
    if staged.ok and chunk and session is not None:
        insert_rows(session, ReconciliationItem.__table__, chunk)
    chunk.clear()
    progress(staged.rows)


def item_row(run_id: int, row: ReportRow) -> dict:
    return {"run_id": run_id, "line": row.line,
            "balance_transaction_id": row.balance_transaction_id,
            "reporting_category": row.reporting_category, "currency": row.currency,
            "gross_minor": row.gross_minor, "fee_minor": row.fee_minor,
            "net_minor": row.net_minor, "created_utc": row.created,
            "month": row.created.astimezone(PROVIDER_TZ).strftime("%Y-%m"),
            "source_id": row.source_id, "charge_id": row.charge_id,
            "payment_intent_id": row.payment_intent_id, "payout_id": row.payout_id,
            "account_number": row.account_number, "item_class": "",
            "payment_id": None, "reversal_id": None}


def checked_row(line: int, values: dict, now, seen: dict):
    """One line's row, refused (RowInvalid) when bad or when its balance transaction came
    earlier in the input; `seen` maps the ids met so far to their first line."""
    row = parse_row(line, values, now)
    first = seen.setdefault(row.balance_transaction_id, line)
    if first != line:
        raise RowInvalid("balance_transaction_id",
                         f"appears twice in the input (first on line {first})")
    return row
