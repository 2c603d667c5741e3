"""The workbook writer: what a finance person opening the file would notice."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from billing.core.money import Money
from reports.workbooks import Column, Sheet, money_format, workbook


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_numbers_stay_numbers_and_money_carries_its_own_currency():
    sheet = Sheet("Payments", [Column("Account"), Column("Received", "date"),
                               Column("Amount", "money"), Column("Count", "int")],
                  [("AC-1", date(2026, 11, 3), Money(1250, "EUR"), 2),
                   ("AC-2", date(2026, 11, 4), Money(-99900, "GBP"), 1)])
    book = _open(workbook([sheet]))
    cells = book["Payments"]
    assert [c.value for c in cells[1]] == ["Account", "Received", "Amount", "Count"]
    assert cells["C2"].value == Decimal("12.5")
    assert cells["C2"].number_format == money_format("EUR")
    assert '"EUR"' in cells["C2"].number_format and "0.00" in cells["C2"].number_format
    # Two currencies in one column, each cell in its own.
    assert cells["C3"].value == Decimal("-999")
    assert cells["C3"].number_format == money_format("GBP") != money_format("EUR")
    assert cells["B2"].is_date and cells["B2"].value == datetime(2026, 11, 3)
    assert cells["D2"].value == 2


def test_header_row_is_frozen_and_each_sheet_has_its_title():
    data = workbook([Sheet("Matched", [Column("A")], [("x",)]),
                     Sheet("Unmatched: [late]?", [Column("A")], [])])
    book = _open(data)
    assert book.sheetnames == ["Matched", "Unmatched   late"]
    assert book["Matched"].freeze_panes == "A2"


def test_text_that_looks_like_a_formula_is_kept_as_text():
    book = _open(workbook([Sheet("S", [Column("Name")], [("=HYPERLINK(\"x\")",), ("-5",)])]))
    assert book["S"]["A2"].value == "'=HYPERLINK(\"x\")"
    assert book["S"]["A3"].value == "'-5"


def test_timestamps_are_written_as_utc_without_a_zone():
    at = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    book = _open(workbook([Sheet("S", [Column("At", "datetime")], [(at,)])]))
    assert book["S"]["A2"].value == datetime(2026, 3, 29, 1, 30)


def test_a_row_with_a_missing_cell_is_refused():
    with pytest.raises(ValueError):
        workbook([Sheet("S", [Column("A"), Column("B")], [("only one",)])])


def test_an_empty_book_still_opens():
    assert _open(workbook([])).sheetnames == ["-"]
