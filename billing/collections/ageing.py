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

`receivables_ageing` works invoice by invoice in Python and is the reference. A page that
needs only the totals over many accounts asks `receivables_totals`: the same rules as
one SQL aggregate, so its cost does not grow in Python with the number of invoices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from billing.disputes.models import Dispute
from billing.invoicing.balance import (
    BILLED_STATUSES,
    DatedBalance,
    balances_as_of,
    end_of_day,
    paid_through_query,
)
from billing.invoicing.models import Invoice

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


# --- the totals, summed by the database ------------------------------------------------------

def receivables_totals(session: Session, on: date,
                       customer_ids: Select | None = None) -> dict[str, dict[str, int]]:
    """`receivables_ageing(session, on, customer_ids).totals()`, as one query: per
    currency (alphabetical), each bucket's sum. A currency is there when some account
    has something in one of its buckets in it, as in the reference."""
    per_account = _account_buckets(on, customer_ids)
    columns = [func.sum(per_account.c[name]) for name in _COLUMNS]
    nonempty = func.sum(case((or_(*(per_account.c[name] != 0 for name in _COLUMNS)), 1),
                             else_=0))
    rows = session.execute(select(per_account.c.currency, nonempty, *columns)
                           .group_by(per_account.c.currency)
                           .order_by(per_account.c.currency))
    return {currency: {bucket: int(amount or 0) for bucket, amount in zip(BUCKETS, sums,
                                                                           strict=True)}
            for currency, accounts, *sums in rows if accounts}


_COLUMNS = [f"b{n}" for n in range(len(BUCKETS))]  # a column per bucket, in BUCKETS order


def _account_buckets(on: date, customer_ids: Select | None):
    """Per account and currency, a column per bucket: the invoices' collectible amounts
    in their day bucket, their held amounts in "disputed" (the rules of `compute`)."""
    invoices = _invoice_figures(on, customer_ids)
    open_minor, disputed = invoices.c.open_minor, invoices.c.disputed_minor
    held = case((or_(disputed <= 0, open_minor <= 0), 0), (disputed < open_minor, disputed),
                else_=open_minor)
    sums = [func.sum(case((invoices.c.bucket == bucket, open_minor - held), else_=0))
            for bucket in DAY_BUCKETS] + [func.sum(held)]
    return (select(invoices.c.currency, *(s.label(n) for s, n in zip(sums, _COLUMNS,
                                                                       strict=True)))
            .group_by(invoices.c.customer_id, invoices.c.currency).subquery())


def _invoice_figures(on: date, customer_ids: Select | None):
    """Per invoice billed by the end of `on`: account, currency, day bucket, what is open
    (total less paid by then) and what its disputes held then (before the cap)."""
    scope = [Invoice.status.in_(BILLED_STATUSES), Invoice.issue_date <= on]
    if customer_ids is not None:
        scope.append(Invoice.customer_id.in_(customer_ids))
    ids = select(Invoice.id).where(*scope)
    paid = paid_through_query(ids, on).subquery()
    held = _held_query(ids, end_of_day(on)).subquery()
    return (select(Invoice.customer_id, Invoice.currency, _bucket_clause(on).label("bucket"),
                   (Invoice.total_minor - func.coalesce(paid.c.paid_minor, 0))
                   .label("open_minor"),
                   func.coalesce(held.c.disputed_minor, 0).label("disputed_minor"))
            .outerjoin(paid, paid.c.invoice_id == Invoice.id)
            .outerjoin(held, held.c.invoice_id == Invoice.id).where(*scope).subquery())


def _bucket_clause(on: date):
    """`bucket_for(Invoice.due_date, on)` in SQL, by comparing dates (no date arithmetic,
    which each database writes its own way)."""
    limits = [(bucket, on - timedelta(days=limit)) for bucket, limit in _UPPER_LIMITS]
    return case((Invoice.due_date.is_(None), "current"), (Invoice.due_date >= on, "current"),
                *[(Invoice.due_date >= since, bucket) for bucket, since in limits],
                else_="90+")


def _held_query(invoice_ids: Select, at: datetime) -> Select:
    """Per invoice, what its disputes held at the instant `at`: `Dispute.held_at` in SQL."""
    not_holding = or_(and_(Dispute.filed_at.is_not(None), Dispute.filed_at > at),
                      and_(Dispute.closed_at.is_not(None), Dispute.closed_at <= at))
    settled = and_(Dispute.settled_at.is_not(None), Dispute.settled_at <= at)
    amount = case((not_holding, 0), (settled, Dispute.amount_minor - Dispute.credit_minor),
                  else_=Dispute.amount_minor)
    return (select(Dispute.invoice_id, func.sum(amount).label("disputed_minor"))
            .where(Dispute.invoice_id.in_(invoice_ids)).group_by(Dispute.invoice_id))
