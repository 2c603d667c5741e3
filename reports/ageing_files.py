"""The receivables ageing as files: a CSV for other systems and an Excel workbook for
finance people. Both take what the access policy let through (`AgeingFile`): the totals
per currency, the accounts shown one by one, and how many accounts were withheld (a
partner's customers without CPNI approval: counted, never summed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from billing.collections.ageing import BUCKETS, DAY_BUCKETS
from billing.core.money import Money
from reports.csv_files import csv_text
from reports.workbooks import Column, Sheet, workbook

CSV_HEADER = ("as_of", "row", "account_number", "account", "currency", "current",
              "days_1_30", "days_31_60", "days_61_90", "days_over_90", "disputed",
              "collectible", "accounts")


@dataclass(frozen=True)
class AgeingAccount:
    account_number: str
    name: str
    currency: str
    amounts: Mapping[str, int]  # minor units per bucket


@dataclass(frozen=True)
class AgeingFile:
    as_of: date
    totals: Mapping[str, Mapping[str, int]]  # currency -> bucket -> minor units
    counts: Mapping[str, int]  # currency -> accounts in its totals
    accounts: Sequence[AgeingAccount]
    withheld: int | None = None  # None: nothing withheld from this viewer


def collectible(amounts: Mapping[str, int]) -> int:
    return sum(amounts[bucket] for bucket in DAY_BUCKETS)


def ageing_csv(data: AgeingFile) -> str:
    """One "total" row per currency, one "account" row per account and currency, and,
    for a partner, one "withheld" row counting the accounts left out. Amounts in major
    units of the row's currency."""
    rows = []
    for currency, sums in data.totals.items():
        rows.append((data.as_of.isoformat(), "total", "", "", currency,
                     *_majors(sums, currency), data.counts[currency]))
    for account in data.accounts:
        rows.append((data.as_of.isoformat(), "account", account.account_number, account.name,
                     account.currency, *_majors(account.amounts, account.currency), 1))
    if data.withheld is not None:
        rows.append((data.as_of.isoformat(), "withheld", "", "", "",
                     *[""] * (len(BUCKETS) + 1), data.withheld))
    return csv_text(CSV_HEADER, rows)


def _majors(amounts: Mapping[str, int], currency: str) -> list:
    return [Money(amounts[bucket], currency).major for bucket in BUCKETS] + [
        Money(collectible(amounts), currency).major]


def ageing_workbook(data: AgeingFile, labels: Mapping[str, str]) -> bytes:
    """Two sheets: the totals per currency (with the withheld count, for a partner) and
    the accounts. `labels` gives the translated words: the buckets' and "as_of",
    "currency", "collectible", "accounts", "account_number", "account", "withheld",
    "totals_sheet", "accounts_sheet"."""
    money = [Column(labels[bucket], "money", 16) for bucket in BUCKETS]
    money.append(Column(labels["collectible"], "money", 16))
    totals = [[data.as_of, currency, *_monies(sums, currency), data.counts[currency]]
              for currency, sums in data.totals.items()]
    if data.withheld is not None:
        totals.append([data.as_of, labels["withheld"], *[None] * len(money), data.withheld])
    accounts = [[account.account_number, account.name, account.currency,
                 *_monies(account.amounts, account.currency)] for account in data.accounts]
    return workbook([
        Sheet(labels["totals_sheet"], [Column(labels["as_of"], "date", 12),
                                       Column(labels["currency"], "text", 28), *money,
                                       Column(labels["accounts"], "int", 10)], totals),
        Sheet(labels["accounts_sheet"], [Column(labels["account_number"], "text", 14),
                                         Column(labels["account"], "text", 30),
                                         Column(labels["currency"], "text", 10), *money],
              accounts),
    ])


def _monies(amounts: Mapping[str, int], currency: str) -> list[Money]:
    return [Money(amounts[bucket], currency) for bucket in BUCKETS] + [
        Money(collectible(amounts), currency)]
