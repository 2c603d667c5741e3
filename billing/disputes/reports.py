"""Figures on the dispute workload for billing staff: open disputes by tier and age,
overdue ones, time to resolution per tier, and credits granted by reason.

Each figure is one query; counts and sums are aggregated by the database. The business
clock (weekends, federal holidays, Mountain Time) is not something SQL knows, so the
business hours of overdue and settled disputes are counted here, from one query's rows.
These are aggregates over many customers, not one customer's CPNI; the overdue list
names disputes and accounts but no amounts.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from billing.core.business_hours import business_time_between
from billing.disputes.models import Dispute, DisputeTier
from billing.disputes.rules import overdue_clause

# Whole days since filing: 0-2, 3-5, 6-10, 11-30, more than 30.
AGE_BANDS = ((0, 2), (3, 5), (6, 10), (11, 30), (31, None))
ACTIVE = ("open", "waiting")
HOURS = Decimal("0.1")


SMALLEST_SUM_SHOWN = 3


@dataclass(frozen=True)
class OpenCell:
    """Active disputes of one tier, age band and currency."""

    level: int
    tier_name: str
    band: int  # index into AGE_BANDS
    currency: str
    count: int
    held_minor: int  # disputed less any credit already granted (after a reopen)

    @property
    def shown_held_minor(self) -> int | None:
        """The sum, unless so few disputes make it that it tells one customer's amount
        (the overdue list names the accounts): then None."""
        return self.held_minor if self.count >= SMALLEST_SUM_SHOWN else None


@dataclass(frozen=True)
class OverdueDispute:
    dispute_id: int
    reference: str
    level: int
    tier_name: str
    account_number: str
    customer_name: str
    deadline_at: datetime
    overdue: timedelta  # business time since the deadline


@dataclass(frozen=True)
class ResolutionTime:
    """Business hours from filing to settlement of the disputes a tier settled."""

    level: int
    tier_name: str
    settled: int
    median_hours: Decimal
    mean_hours: Decimal


@dataclass(frozen=True)
class CreditsByReason:
    reason: str
    currency: str
    credited: int  # disputes settled with a credit
    credit_minor: int


def open_by_tier_and_age(session: Session, now: datetime) -> list[OpenCell]:
    """Open and waiting disputes, counted and summed per tier, age band and currency."""
    banded = select(Dispute.tier_id, Dispute.currency, Dispute.id,
                    (Dispute.amount_minor - Dispute.credit_minor).label("held"),
                    _age_band(now).label("band")).where(Dispute.status.in_(ACTIVE)).subquery()
    rows = session.execute(
        select(DisputeTier.level, DisputeTier.name, banded.c.band, banded.c.currency,
               func.count(banded.c.id), func.sum(banded.c.held))
        .join(DisputeTier, DisputeTier.id == banded.c.tier_id)
        .group_by(DisputeTier.level, DisputeTier.name, banded.c.band, banded.c.currency)
        .order_by(DisputeTier.level, banded.c.band, banded.c.currency))
    return [OpenCell(level, name, band, currency, count, int(held))
            for level, name, band, currency, count, held in rows]


def _age_band(now: datetime):
    """The band's index: a dispute is in the first band whose last day it has not passed."""
    limits = [(Dispute.filed_at > now - timedelta(days=last + 1), index)
              for index, (_, last) in enumerate(AGE_BANDS) if last is not None]
    return case(*limits, else_=len(AGE_BANDS) - 1)


def overdue_disputes(session: Session, now: datetime) -> list[OverdueDispute]:
    """Open disputes whose tier's deadline has passed, the longest overdue first.
    (A waiting dispute has no deadline: its clock is paused.)"""
    found = session.scalars(
        select(Dispute).options(joinedload(Dispute.tier), joinedload(Dispute.customer))
        .where(overdue_clause(now))
        .order_by(Dispute.deadline_at, Dispute.id))
    return [OverdueDispute(d.id, d.reference, d.tier.level, d.tier.name,
                           d.customer.account_number, d.customer.name, d.deadline_at,
                           business_time_between(d.deadline_at, now))
            for d in found]


def resolution_times(session: Session, since: datetime, until: datetime) -> list[ResolutionTime]:
    """Per tier that settled them, the median and mean business hours from filing to
    settlement of the disputes settled in [since, until). Time spent waiting on the
    filer and at lower tiers counts: it is how long the customer waited."""
    rows = session.execute(
        select(DisputeTier.level, DisputeTier.name, Dispute.filed_at, Dispute.settled_at)
        .join(Dispute.tier)
        .where(Dispute.status == "settled", Dispute.settled_at >= since,
               Dispute.settled_at < until))
    hours = defaultdict(list)
    for level, name, filed_at, settled_at in rows:
        hours[level, name].append(_hours(business_time_between(filed_at, settled_at)))
    return [ResolutionTime(level, name, len(values), _round(statistics.median(values)),
                           _round(statistics.mean(values)))
            for (level, name), values in sorted(hours.items())]


def credits_by_reason(session: Session, since: datetime,
                      until: datetime) -> list[CreditsByReason]:
    """Credit granted by disputes settled in [since, until), per reason and currency."""
    rows = session.execute(
        select(Dispute.reason, Dispute.currency, func.count(Dispute.id),
               func.sum(Dispute.credit_minor))
        .where(Dispute.status == "settled", Dispute.credit_minor > 0,
               Dispute.settled_at >= since, Dispute.settled_at < until)
        .group_by(Dispute.reason, Dispute.currency)
        .order_by(Dispute.currency, Dispute.reason))
    return [CreditsByReason(reason, currency, count, int(credit))
            for reason, currency, count, credit in rows]


def _hours(span: timedelta) -> Decimal:
    return Decimal(int(span.total_seconds())) / 3600


def _round(value: Decimal) -> Decimal:
    return value.quantize(HOURS, rounding=ROUND_HALF_UP)
