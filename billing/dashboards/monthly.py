"""Twelve-month series for the dashboards, on the provider's calendar.

Each series is one query however many invoices or calls there are: the month of a row
is a CASE over the months' bounds, worked out here (so the time zone is right on every
database), and the database adds up per month. Months with nothing are present with
nothing in them, so a chart always has its twelve bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from billing.commissions import months as calendar_months
from billing.invoicing.balance import BILLED_STATUSES
from billing.invoicing.models import Invoice
from billing.invoicing.usage_models import UsageRecord


@dataclass(frozen=True)
class MonthUsage:
    """One month's calls of some accounts: how many, and their minutes."""

    calls: int
    minutes: Decimal


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:]), 1)


def billed_by_month(session: Session, customer_ids: Select,
                    months: list[str]) -> dict[str, dict[str, int]]:
    """{month: {currency: minor}}: what the invoices issued in each month to the accounts
    in `customer_ids` (a select of ids) asked for (their totals, credits applied), months
    oldest first. Drafts and void invoices bill nothing."""
    days = [_first_day(m) for m in months] + [_first_day(calendar_months.shift(months[-1], 1))]
    month = case(*[(and_(Invoice.issue_date >= days[i], Invoice.issue_date < days[i + 1]), m)
                   for i, m in enumerate(months)])
    rows = select(month.label("month"), Invoice.currency, Invoice.total_minor).where(
        Invoice.customer_id.in_(customer_ids), Invoice.status.in_(BILLED_STATUSES),
        Invoice.issue_date >= days[0], Invoice.issue_date < days[-1]).subquery()
    totals: dict[str, dict[str, int]] = {m: {} for m in months}
    for key, currency, amount in session.execute(
            select(rows.c.month, rows.c.currency, func.sum(rows.c.total_minor))
            .group_by(rows.c.month, rows.c.currency)):
        totals[key][currency] = int(amount)
    return totals


def usage_by_month(session: Session, customer_ids: Select,
                   months: list[str]) -> dict[str, MonthUsage]:
    """{month: MonthUsage}: the rated calls of the accounts in `customer_ids` that started
    in each month (provider calendar), months oldest first."""
    bounds = [calendar_months.bounds(m) for m in months]
    month = case(*[(and_(UsageRecord.started_at >= start, UsageRecord.started_at < end), m)
                   for m, (start, end) in zip(months, bounds, strict=True)])
    rows = select(month.label("month"), UsageRecord.minutes).where(
        UsageRecord.customer_id.in_(customer_ids), UsageRecord.started_at >= bounds[0][0],
        UsageRecord.started_at < bounds[-1][1]).subquery()
    usage = {m: MonthUsage(0, Decimal(0)) for m in months}
    for key, calls, minutes in session.execute(
            select(rows.c.month, func.count(), func.sum(rows.c.minutes))
            .group_by(rows.c.month)):
        usage[key] = MonthUsage(int(calls), Decimal(minutes or 0))
    return usage
