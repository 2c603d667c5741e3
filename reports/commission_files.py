"""Commission files for people: the payables CSV of an approved month (what the provider
pays each partner, per currency) for the accounts-payable system."""

from __future__ import annotations

from collections.abc import Iterable

from billing.core.money import Money
from reports.csv_files import csv_text

PAYABLES_HEADER = ("month", "partner_code", "partner_name", "currency", "amount")


def payables_csv(month: str, payables: Iterable[dict], partners: dict) -> str:
    """One row per partner and currency; `partners` maps id to (code, name)."""
    rows = []
    for payable in payables:
        code, name = partners[payable["partner_id"]]
        amount = Money(payable["amount_minor"], payable["currency"]).major
        rows.append((month, code, name, payable["currency"], amount))
    return csv_text(PAYABLES_HEADER, rows)
