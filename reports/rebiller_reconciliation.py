"""A rebiller run as a CSV file and as an Excel workbook, from the rows the access policy
let through (portal/reconciliation/rebiller_presenters.py) and the counts per class.

The CSV holds two tables: the counts and amounts per class, then the rows. The workbook
has a summary sheet and one sheet per class; its numbers are numbers, its money cells
carry their currency's format and its due dates are dates.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.core.money import Money
from reports.csv_files import csv_sections
from reports.workbooks import Column, Sheet, workbook

ROW_FIELDS = ("wholesale", "retail", "wholesale_tax", "retail_tax", "paid", "at_stake")


def summary_rows(classes: list[dict]) -> list[list]:
    """Per class and currency: class, rows, rows withheld, currency, amount at stake."""
    found = []
    for entry in classes:
        amounts = entry["at_stake"] or [None]
        for amount in amounts:
            found.append([entry["class"], entry["count"], entry["withheld_count"],
                          amount["currency"] if amount else "",
                          Money(amount["minor"], amount["currency"]) if amount else None])
    return found


def rebiller_csv(classes: list[dict], rows: list[dict], labels: dict) -> str:
    summary = [[cls, count, withheld, currency, money.major if money else ""]
               for cls, count, withheld, currency, money in summary_rows(classes)]
    return csv_sections([
        (labels["summary"], labels["summary_header"], summary),
        (labels["rows"], labels["rows_header"], [_csv_row(row) for row in rows]),
    ])


def _csv_row(row: dict) -> list:
    return [*_text_cells(row), *(Decimal(row[name]["amount"]) for name in ROW_FIELDS),
            row["due_date"] or ""]


def _text_cells(row: dict) -> list:
    return [row["end_customer"]["account_number"], row["end_customer"]["name"], row["kind"],
            row["code"], row["class"], row["currency"], row["wholesale_quantity"] or "",
            row["retail_quantity"] or ""]


def rebiller_workbook(classes: list[dict], rows: list[dict], labels: dict) -> bytes:
    summary = Sheet(labels["summary"], [Column(label, kind, width) for label, kind, width in zip(
        labels["summary_header"], ("text", "int", "int", "text", "money"),
        (22, 10, 16, 10, 16), strict=True)], summary_rows(classes))
    columns = [Column(label, kind, width) for label, kind, width in zip(
        labels["rows_header"],
        ("text", "text", "text", "text", "text", "text", "decimal", "decimal",
         *("money",) * len(ROW_FIELDS), "date"),
        (14, 28, 9, 20, 20, 9, 12, 12, *(14,) * len(ROW_FIELDS), 12), strict=True)]
    sheets = [summary]
    for entry in classes:
        mine = [_sheet_row(row) for row in rows if row["class"] == entry["class"]]
        sheets.append(Sheet(labels["class_names"][entry["class"]], columns, mine))
    return workbook(sheets)


def _sheet_row(row: dict) -> list:
    cells = _text_cells(row)
    cells[6] = Decimal(cells[6]) if cells[6] else None
    cells[7] = Decimal(cells[7]) if cells[7] else None
    return [*cells, *(Money(row[name]["minor"], row["currency"]) for name in ROW_FIELDS),
            date.fromisoformat(row["due_date"]) if row["due_date"] else None]
