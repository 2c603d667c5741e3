"""The receivables ageing: what accounts owe at the end of a day, by how late it is.

Each invoice's collectible amount (open less what open disputes hold) goes into one
bucket by the days between its due date and the day asked about, on the provider's
calendar: "current" (not yet due: on or before the due date), "1-30", "31-60", "61-90"
and "90+" days past due. What open disputes hold is "disputed": it is not chased, so it
ages in no day bucket. Figures come from `billing.invoicing.balance.balances_as_of`,
so an ageing of a past day reads what was billed, paid and held by then; the day
buckets of an account add up to its collectible balance, "disputed" to its held one.

Amounts are per currency: an account's rows and the totals are kept apart by currency
and never added across currencies. An overpaid invoice (negative collectible) lowers
its bucket, as it lowers the account's balance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select
from sqlalchemy.orm import Session

from billing.invoicing.balance import DatedBalance, balances_as_of

DAY_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
DISPUTED = "disputed"
BUCKETS = (*DAY_BUCKETS, DISPUTED)
_UPPER_LIMITS = (("1-30", 30), ("31-60", 60), ("61-90", 90))


def bucket_of(days_past_due: int) -> str:
    """The day bucket of an amount `days_past_due` days after its due date (zero or
    less: not yet due)."""
    if days_past_due <= 0:
        return "current"
    for bucket, limit in _UPPER_LIMITS:
        if days_past_due <= limit:
            return bucket
    return "90+"


def bucket_for(due_date: date | None, on: date) -> str:
    """The day bucket of an amount due on `due_date`, seen on the day `on`. An invoice
    without a due date is never late."""
    return "current" if due_date is None else bucket_of((on - due_date).days)


def _zeros() -> dict[str, int]:
    return dict.fromkeys(BUCKETS, 0)


@dataclass
class AccountAgeing:
    """One account's receivables in one currency, per bucket (minor units)."""

    customer_id: int
    currency: str
    amounts: dict[str, int] = field(default_factory=_zeros)

    @property
    def collectible_minor(self) -> int:
        """The day buckets added up: the account's collectible balance."""
        return sum(self.amounts[b] for b in DAY_BUCKETS)

    @property
    def is_empty(self) -> bool:
        return not any(self.amounts.values())


@dataclass(frozen=True)
class Ageing:
    """The ageing of many accounts at the end of `as_of`."""

    as_of: date
    accounts: list[AccountAgeing]  # by account id, then currency; empty rows left out

    @property
    def currencies(self) -> list[str]:
        return sorted({row.currency for row in self.accounts})

    def totals(self) -> dict[str, dict[str, int]]:
        """Per currency (alphabetical), each bucket's sum over the accounts."""
        sums = {currency: _zeros() for currency in self.currencies}
        for row in self.accounts:
            for bucket, amount in row.amounts.items():
                sums[row.currency][bucket] += amount
        return sums

    def in_bucket(self, currency: str, bucket: str) -> list[AccountAgeing]:
        """The accounts with something in one bucket of one currency: the drill-down."""
        return [row for row in self.accounts
                if row.currency == currency and row.amounts.get(bucket)]


def age(balances: Iterable[DatedBalance], on: date) -> list[AccountAgeing]:
    """Invoice balances at the end of `on`, summed per account and currency into buckets.
    Accounts that owe nothing and hold nothing in dispute are left out."""
    rows: dict[tuple[int, str], AccountAgeing] = {}
    for item in balances:
        owed = item.balance
        key = (item.customer_id, owed.currency)
        row = rows.setdefault(key, AccountAgeing(item.customer_id, owed.currency))
        row.amounts[DISPUTED] += owed.held_minor
        if owed.collectible_minor:
            row.amounts[bucket_for(item.due_date, on)] += owed.collectible_minor
    return [row for _, row in sorted(rows.items()) if not row.is_empty]


def receivables_ageing(session: Session, on: date,
                       customer_ids: Select | None = None) -> Ageing:
    """The ageing at the end of the day `on` of the accounts in `customer_ids` (a select
    of customer ids; None: every account). Three queries, however many accounts."""
    return Ageing(on, age(balances_as_of(session, on, customer_ids), on))
