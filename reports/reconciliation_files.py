"""A payment reconciliation run's results as files: a CSV of every balance transaction
with its class, and an Excel workbook with a sheet of figures, one per class, the payouts
and the fees, numbers as numbers in their currency's format and times as times.

The caller passes the words (`labels`: class and column names, already translated), so
these files need no request and read the run through billing/reconciliation only.
"""

from __future__ import annotations

from collections.abc import Iterable

from billing.core.money import Money
from billing.payments.report_import import major_text
from reports.csv_files import csv_text
from reports.workbooks import Column, Sheet, workbook

CSV_HEADER = ("line", "balance_transaction_id", "reporting_category", "class", "currency",
              "gross", "fee", "net", "created_utc", "automatic_payout_id", "source_id",
              "payment_intent_id", "charge_id", "exception", "exception_status")


def run_csv(items: Iterable, exceptions: dict) -> str:
    """One row per item; `exceptions` maps item id to its exception."""
    return csv_text(CSV_HEADER, (_csv_row(item, exceptions.get(item.id)) for item in items))


def _csv_row(item, exception) -> tuple:
    return (item.line, item.balance_transaction_id, item.reporting_category, item.item_class,
            item.currency, major_text(item.gross_minor, item.currency),
            major_text(item.fee_minor, item.currency), major_text(item.net_minor, item.currency),
            item.created_utc.strftime("%Y-%m-%d %H:%M:%S"), item.payout_id, item.source_id,
            item.payment_intent_id, item.charge_id, exception.kind if exception else "",
            exception.status if exception else "")


def run_workbook(run, items: Iterable, payouts: list[dict], fees: list[tuple],
                 labels: dict) -> bytes:
    """The figures, a sheet per class of the run's items, the payouts and the fees."""
    by_class: dict[str, list] = {}
    for item in items:
        by_class.setdefault(item.item_class, []).append(_item_cells(item))
    sheets = [_figures_sheet(run, labels)]
    sheets += [Sheet(labels["classes"].get(cls, cls), _item_columns(labels), rows)
               for cls, rows in sorted(by_class.items())]
    sheets.append(Sheet(labels["payouts"], [
        Column(labels["payout"], width=24), Column(labels["date"], "datetime", 18),
        Column(labels["transactions"], "int"), Column(labels["gross"], "money", 16),
        Column(labels["fee"], "money", 16), Column(labels["net"], "money", 16),
        Column(labels["paid_out"], "money", 16), Column(labels["adds_up"])],
        [(p["payout_id"], p["at"], p["count"], Money(p["gross_minor"], p["currency"]),
          Money(p["fee_minor"], p["currency"]), Money(p["net_minor"], p["currency"]),
          Money(p["amount_minor"], p["currency"]), labels["yes" if p["adds_up"] else "no"])
         for p in payouts]))
    sheets.append(Sheet(labels["fees"], [Column(labels["month"]), Column(labels["expense"],
                                                                          "money", 16)],
                        [(month, Money(amount, currency)) for currency, month, amount in fees]))
    return workbook(sheets)


def _figures_sheet(run, labels: dict) -> Sheet:
    rows = [(labels["classes"].get(cls, cls), count["count"], Money(count["amount_minor"], cur))
            for cls, by_currency in sorted((run.figures or {}).items())
            for cur, count in sorted(by_currency.items())]
    return Sheet(labels["figures"], [Column(labels["class"], width=24),
                                     Column(labels["count"], "int"),
                                     Column(labels["amount"], "money", 18)], rows)


def _item_columns(labels: dict) -> list[Column]:
    return [Column(labels["transaction"], width=26), Column(labels["category"], width=18),
            Column(labels["date"], "datetime", 18), Column(labels["gross"], "money", 16),
            Column(labels["fee"], "money", 16), Column(labels["net"], "money", 16),
            Column(labels["payout"], width=24)]


def _item_cells(item) -> tuple:
    return (item.balance_transaction_id, item.reporting_category, item.created_utc,
            Money(item.gross_minor, item.currency), Money(item.fee_minor, item.currency),
            Money(item.net_minor, item.currency), item.payout_id)
