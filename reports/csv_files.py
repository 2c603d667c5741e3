"""CSV files people open in spreadsheets: every cell is text that cannot run as a formula.

A cell starting with =, +, -, @, a tab or a carriage return is read as a formula by
spreadsheet programs; such cells get a leading apostrophe. Numbers written by us are
plain decimals ("-12.50" stays a number: only text cells are guarded).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def csv_sections(sections: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> str:
    """Several tables in one file: each a title row, a header row and its rows, with a
    blank row between tables."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for title, header, rows in sections:
        writer.writerow([safe_cell(title)])
        writer.writerow([safe_cell(h) for h in header])
        writer.writerows([safe_cell(v) for v in row] for row in rows)
        writer.writerow([])
    return buffer.getvalue()
