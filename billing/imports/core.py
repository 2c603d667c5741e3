"""Reading, checking and saving one CSV file, all or nothing."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput

MAX_ERRORS = 500  # past this many, the report says how many more there were


@dataclass(frozen=True)
class RowError:
    row: int  # the line number in the file, header = 1
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    more_errors: int = 0

    @property
    def saved(self) -> bool:
        return not self.errors and self.rows > 0


class RowInvalid(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def _text_lines(stream: BinaryIO) -> Iterator[str]:
    """Decode as UTF-8 (a BOM is allowed) line by line, failing clearly on other encodings."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending = ""
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        try:
            pending += decoder.decode(chunk)
        except UnicodeDecodeError:
            raise InvalidInput("The file is not UTF-8 text; save it as CSV UTF-8.") from None
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line + "\n"
    if pending:
        yield pending


def rows_of(stream: BinaryIO, columns: tuple[str, ...],
            optional: tuple[str, ...] = ()) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each data row, after checking the header. The header may
    add the `optional` columns at its end, in their order (files written before a column
    was added still import); a row holds only the columns its file has, and a row of the
    wrong width comes as {"__width__": its cells, "__expected__": the header's}."""
    reader = csv.reader(_text_lines(stream))
    found = _header(reader, columns, optional)
    for number, values in _records(reader):
        if len(values) != len(found):
            yield number, {"__width__": len(values), "__expected__": len(found)}
        else:
            yield number, dict(zip(found, values, strict=True))


def records_of(stream: BinaryIO, columns: tuple[str, ...]) -> Iterator[tuple[int, list]]:
    """(line number, cells stripped of spaces) for each data row that is not blank, after
    checking the header. A row's width is the caller's to check."""
    reader = csv.reader(_text_lines(stream))
    _header(reader, columns, ())
    yield from _records(reader)


def _header(reader, columns: tuple[str, ...], optional: tuple[str, ...]) -> list[str]:
    header = next(reader, None)
    if header is None:
        raise InvalidInput("The file is empty.")
    found = [name.strip() for name in header]
    allowed = [list(columns) + list(optional[:n]) for n in range(len(optional) + 1)]
    if found not in allowed:
        also = (f", optionally followed by {','.join(optional)} (all of them, or the first "
                "few in that order)") if optional else ""
        raise InvalidInput(f"The header must be exactly: {','.join(columns)}{also} "
                           f"(found: {','.join(found)}).")
    return found


def _records(reader) -> Iterator[tuple[int, list]]:
    strip = str.strip
    for number, values in enumerate(_checked(reader), start=2):
        values = list(map(strip, values))
        if any(values):
            yield number, values


def _checked(reader) -> Iterator[list[str]]:
    """The reader's rows; a row the csv module cannot read (a cell longer than its field
    limit, 131,072 characters) or one holding a NUL character stops the import with a
    message that names its line."""
    try:
        for values in reader:
            if "\x00" in "".join(values):
                # No database text column takes it (PostgreSQL refuses the row outright).
                raise InvalidInput(f"Line {reader.line_num}: a cell holds a NUL character; "
                                   "the file is not CSV text. Nothing was imported.")
            yield values
    except csv.Error:
        raise InvalidInput(f"Line {reader.line_num}: a cell is longer than "
                           f"{csv.field_size_limit():,} characters, or the line is "
                           "not CSV. Nothing was imported.") from None


def run_import(session: Session, kind, open_file: Callable[[], BinaryIO],
               progress: Callable[[int], None] = lambda rows: None) -> ImportReport:
    """Check every row (first pass), then save them all in one transaction (second pass).

    `open_file` is called once per pass, so the file is streamed twice rather than held.
    A kind with its own `import_file` (usage, whose files are the largest) reads the file
    once its own way. The caller commits when the report says saved, and rolls back
    otherwise.
    """
    if hasattr(kind, "import_file"):
        return kind.import_file(session, open_file, progress)
    report = ImportReport(kind.name)
    context = kind.context(session)
    with open_file() as stream:
        for number, row in rows_of(stream, kind.columns, _optional(kind)):
            report.rows += 1
            _check(kind, context, number, row, report)
            progress(report.rows)
    if report.rows == 0:
        report.errors.append(RowError(2, "", "The file has a header but no rows."))
    if report.errors:
        return report
    with open_file() as stream:
        rows = (kind.parse(context, row)
                for _, row in rows_of(stream, kind.columns, _optional(kind)))
        report.created, report.updated = kind.save(session, rows)
    return report


def _optional(kind) -> tuple[str, ...]:
    """The columns a kind's files may add at the end of the header."""
    return getattr(kind, "optional_columns", ())


def _check(kind, context, number: int, row: dict, report: ImportReport) -> None:
    if "__width__" in row:
        problem = RowError(number, "", f"expected {row['__expected__']} columns, "
                                       f"found {row['__width__']}")
    else:
        try:
            kind.check(context, kind.parse(context, row))
            return
        except RowInvalid as invalid:
            problem = RowError(number, invalid.column, invalid.message)
    if len(report.errors) < MAX_ERRORS:
        report.errors.append(problem)
    else:
        report.more_errors += 1
