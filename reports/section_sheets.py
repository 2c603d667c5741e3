"""Sheets from the titled tables of a sectioned CSV file (reports.csv_files.csv_sections),
so that one report's rows feed both its CSV and its workbook.

Each column's kind is read off its values: whole numbers stay numbers, "YYYY-MM-DD" cells
become dates and "YYYY-MM-DD HH:MM" cells date-times (as the report wrote them, in its
own zone), empty cells stay empty; a column holding anything else is text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from reports.workbooks import Column, Sheet

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def sheets_from_sections(sections: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]
                         ) -> list[Sheet]:
    sheets = []
    for title, header, rows in sections:
        rows = [[None if value == "" else value for value in row] for row in rows]
        kinds = [_kind([row[index] for row in rows]) for index in range(len(header))]
        typed = [[_typed(value, kind) for value, kind in zip(row, kinds, strict=True)]
                 for row in rows]
        columns = [Column(str(label), kind, 20 if kind == "text" else 16)
                   for label, kind in zip(header, kinds, strict=True)]
        sheets.append(Sheet(str(title), columns, typed))
    return sheets


def _kind(values: list) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "text"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if all(isinstance(v, str) and _DATE.match(v) for v in present):
        return "date"
    if all(isinstance(v, str) and _DATETIME.match(v) for v in present):
        return "datetime"
    return "text"


def _typed(value, kind: str):
    if value is None or kind in ("int", "text"):
        return value
    if kind == "date":
        return date.fromisoformat(value)
    return datetime.strptime(value, "%Y-%m-%d %H:%M")
