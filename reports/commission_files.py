"""Commission files for people: the payables CSV of an approved month (what the provider
pays each partner, per currency) for the accounts-payable system, and a partner's
monthly statement as an Excel workbook."""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal

from openpyxl import Workbook

from billing.core.money import Money
from reports.csv_files import csv_text, safe_cell

PAYABLES_HEADER = ("month", "partner_code", "partner_name", "currency", "amount")


def payables_csv(month: str, payables: Iterable[dict], partners: dict) -> str:
    """One row per partner and currency; `partners` maps id to (code, name)."""
    rows = []
    for payable in payables:
        code, name = partners[payable["partner_id"]]
        amount = Money(payable["amount_minor"], payable["currency"]).major
        rows.append((month, code, name, payable["currency"], amount))
    return csv_text(PAYABLES_HEADER, rows)


WORKBOOK_HEADER = ("group", "account_number", "account", "currency", "recurring", "usage",
                   "one_time", "commission")


def statement_workbook(statement: dict, labels: dict) -> bytes:
    """The statement as an Excel workbook: one row per account shown on its own, one per
    group and currency for the accounts added up, amounts as numbers. `labels` gives the
    translated words ("own", "others", "total", "sheet")."""
    book = Workbook()
    sheet = book.active
    sheet.title = labels["sheet"][:31]
    sheet.append(WORKBOOK_HEADER)
    for group in statement["groups"]:
        name = group["sub_agent"]["name"] if group["sub_agent"] else labels["own"]
        for account in group["accounts"]:
            cells = account["categories"]
            sheet.append([safe_cell(name), safe_cell(account["account_number"]),
                          safe_cell(account["name"]), account["currency"],
                          *(_number(cells[c]) for c in ("recurring", "usage", "one_time")),
                          _number(account["total"])])
        for other in group["others"]:
            sheet.append([safe_cell(name), "", labels["others"] % {"count": other["accounts"]},
                          other["currency"], None, None, None, _number(other["total"])])
    for total in statement["totals"]:
        sheet.append([labels["total"], "", "", total["currency"], None, None, None,
                      _number(total)])
    for column in "EFGH":
        for cell in sheet[column][1:]:
            cell.number_format = "#,##0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number(value: dict) -> Decimal:
    return Decimal(value["amount"])
