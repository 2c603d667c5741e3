"""Excel workbooks finance people can work in: numbers stay numbers, money carries its
currency's format, dates are dates, the header row is frozen, and text can never run as
a formula (the same guard as the CSV files).

`workbook([Sheet(...), ...])` returns the .xlsx bytes. A sheet declares its columns
once (label and kind); a money cell is a `Money`, formatted in its own currency, so one
sheet may hold several currencies.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from billing.core.money import MINOR_DIGITS, Money
from reports.csv_files import safe_cell

KINDS = ("text", "int", "decimal", "money", "date", "datetime", "percent")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_TITLE = 31  # Excel's limit on a sheet's name


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"
    width: int = 14

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence] = field(default_factory=list)


def money_format(currency: str) -> str:
    """'#,##0.00 "EUR"': the currency's decimals, its code after the number."""
    digits = MINOR_DIGITS[currency]
    decimals = "." + "0" * digits if digits else ""
    return f'#,##0{decimals} "{currency}";-#,##0{decimals} "{currency}"'


def workbook(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _write_sheet(book.create_sheet(_title(sheet.title)), sheet)
    if not book.worksheets:
        book.create_sheet("-")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(target, sheet: Sheet) -> None:
    target.append([safe_cell(column.label) for column in sheet.columns])
    for number, row in enumerate(sheet.rows, start=2):
        target.append([_value(value, column.kind)
                       for value, column in zip(row, sheet.columns, strict=True)])
        # cell() is a lookup; target[number] or max_row would scan the sheet on every row
        for index, (column, value) in enumerate(zip(sheet.columns, row, strict=True), 1):
            _format(target.cell(row=number, column=index), column.kind, value)
    for index, column in enumerate(sheet.columns, start=1):
        target.column_dimensions[get_column_letter(index)].width = column.width
    target.freeze_panes = "A2"


def _value(value, kind: str):
    if value is None:
        return None
    if kind == "money":
        return value.major if isinstance(value, Money) else Decimal(value)
    if kind in ("int", "decimal", "percent"):
        return value
    if kind == "datetime" and isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; callers pass UTC
    if kind in ("date", "datetime") and isinstance(value, date):
        return value
    return safe_cell(value)


def _format(cell, kind: str, value) -> None:
    if kind == "money" and isinstance(value, Money):
        cell.number_format = money_format(value.currency)
    elif kind == "decimal":
        cell.number_format = "#,##0.00"
    elif kind == "percent":
        cell.number_format = "0.00%"
    elif kind == "date":
        cell.number_format = DATE_FORMAT
    elif kind == "datetime":
        cell.number_format = DATETIME_FORMAT


def _title(title: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "-")[:MAX_TITLE]
