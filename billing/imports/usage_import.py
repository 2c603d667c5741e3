"""The usage import in one pass: each row parsed once, staged, checked as a set, merged.

Usage files run to millions of rows, so they do not take the generic way of the other
kinds (check every row, then read the file again to save it). Each row is parsed once
here; its typed values, or what is wrong with its cells, go to a staging table
(`usage_staging`). What needs the database (the account exists; a source_ref is not
repeated) is then checked on all staged rows at once, and the rows it refuses come back
by line number. The report is the one the row-by-row import gave: per row, an unknown
account first, then the first bad cell in column order, then a source_ref already seen
on an earlier good row; in file order, at most MAX_ERRORS of them. Only when nothing is
wrong are the staged rows merged into usage_record, in the same transaction (for a
file of new calls, the merge itself is the check: see UsageStage.merge).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy.orm import Session

from billing.core.clock import parse_instant
from billing.core.db import begin_writing
from billing.core.errors import InvalidInput
from billing.imports import fields as f
from billing.imports.core import MAX_ERRORS, ImportReport, RowError, RowInvalid, records_of
from billing.imports.usage_staging import UsageStage
from billing.invoicing.usage_models import CALL_TYPES

# A plain, non-negative number that fits NUMERIC(18, 6): what fields.number accepts for
# these columns, less its rarer forms (a sign, leading zeros past twelve digits).
_SMALL_NUMBER = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?").fullmatch
COLUMNS = ("source_ref", "account_number", "call_type", "destination", "started_at",
           "minutes", "rate")
REPEATED = "appears twice in this file"


def import_usage(session: Session, open_file: Callable[[], BinaryIO],
                 progress: Callable[[int], None] = lambda rows: None) -> ImportReport:
    """Import a usage file all or nothing, reading it once; the caller commits when the
    report says saved and rolls back otherwise."""
    report = ImportReport("usage")
    begin_writing(session)
    # The staging table lives and dies under this savepoint: a file found unreadable half
    # way (InvalidInput) interrupts the COPY, and the caller's transaction stays usable.
    savepoint = session.begin_nested()
    try:
        stage = UsageStage(session)
        with open_file() as stream:
            faults = stage.load(_staged_rows(stream, report, progress))
    except InvalidInput:
        savepoint.rollback()
        raise
    if report.rows == 0:
        report.errors.append(RowError(2, "", "The file has a header but no rows."))
    elif faults or (merged := stage.merge(report.rows)) is None:
        _report_problems(stage, report)
    else:
        report.created, report.updated = merged
    stage.drop()
    savepoint.commit()
    return report


def _staged_rows(stream: BinaryIO, report: ImportReport,
                 progress: Callable[[int], None]) -> Iterator[tuple]:
    """A staging row per data row: (line, the typed values..., fault column, fault)."""
    width = len(COLUMNS)
    for number, values in records_of(stream, COLUMNS):
        report.rows += 1
        progress(report.rows)
        if len(values) != width:
            yield (number, None, None, None, None, None, None, None, "",
                   f"expected {width} columns, found {len(values)}")
            continue
        try:
            yield (number, *parse_call(values), None, None)
        except RowInvalid as invalid:
            yield (number, None, values[1], None, None, None, None, None,
                   invalid.column, invalid.message)


def parse_call(values: list[str]) -> tuple:
    """One call's cells as the values usage_record stores, or RowInvalid for the first bad
    cell (the account is looked up afterwards, on the staged rows).

    Most rows are sound, so they are checked here at once, as strictly as the field
    parsers would or more; any row that fails is parsed again by those parsers, which
    either accept it (the same values) or say what is wrong, as they always have.
    """
    ref, account, call_type, destination, started, minutes, rate = values
    moment = parse_instant(started)
    if (moment is not None and 0 < len(ref) <= 64 and call_type in CALL_TYPES
            and len(destination) <= 64 and _SMALL_NUMBER(minutes) and _SMALL_NUMBER(rate)):
        return ref, account, call_type, destination, moment, Decimal(minutes), Decimal(rate)
    return _parse_cell_by_cell(dict(zip(COLUMNS, values, strict=True)))


def _parse_cell_by_cell(row: dict) -> tuple:
    return (f.text(row, "source_ref", max_length=64), row["account_number"],
            f.choice(row, "call_type", CALL_TYPES),
            f.text(row, "destination", required=False, max_length=64),
            f.instant(row, "started_at"), f.number(row, "minutes"), f.number(row, "rate"))


def _report_problems(stage: UsageStage, report: ImportReport) -> None:
    """The staged rows' problems in file order, as row-level messages."""
    problems = stage.problems(MAX_ERRORS)
    for line, unknown, account, column, message, _ in problems:
        if unknown:
            column, message = "account_number", f"no account {account!r}"
        elif message is None:
            column, message = "source_ref", REPEATED
        report.errors.append(RowError(line, column, message))
    report.more_errors = problems[0][-1] - len(problems) if problems else 0
