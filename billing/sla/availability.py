"""Monthly availability of the guaranteed platforms (voice, messaging) and SLA credits.

A platform is down while any outage the provider caused on that whole platform runs
(overlaps counted once), except inside maintenance windows noticed a week ahead.
Outages linked only to some customers' services are left out: they say nothing about
the platform as a whole. Tickets play no part here; they decide credits, not uptime.
Credits are the SLA credit requests for the month (the month the credit is for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.catalog.models import SLA_FAMILIES
from billing.sla import calculation as sla
from billing.sla.models import MaintenanceWindow, Outage, SlaCreditRequest

TARGET_PERCENT = Decimal("99.95")
PERCENT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class PlatformMonth:
    platform: str
    month: date
    minutes_in_month: Decimal
    outage_minutes: Decimal

    @property
    def availability_percent(self) -> Decimal:
        up = self.minutes_in_month - self.outage_minutes
        return (up * 100 / self.minutes_in_month).quantize(PERCENT_PLACES)

    @property
    def meets_target(self) -> bool:
        return self.availability_percent >= TARGET_PERCENT


@dataclass(frozen=True)
class CreditTally:
    """SLA credit requests for one month in one currency."""

    currency: str
    requested_count: int
    requested_minor: int
    granted_count: int
    granted_minor: int


@dataclass(frozen=True)
class MonthReport:
    month: date
    platforms: list[PlatformMonth]
    credits: list[CreditTally]


def first_of(month: date) -> date:
    return month.replace(day=1)


def months_back(month: date, count: int) -> list[date]:
    """`count` months ending with `month`, oldest first."""
    index = month.year * 12 + month.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def month_report(session: Session, month: date) -> MonthReport:
    """Availability of each platform and the credits requested and granted for a month."""
    month = first_of(month)
    platforms = [availability_series(session, platform, month, 1)[0]
                 for platform in SLA_FAMILIES]
    return MonthReport(month, platforms, credit_tallies(session, month))


def availability_series(session: Session, platform: str, last_month: date,
                        count: int = 12) -> list[PlatformMonth]:
    """A platform's availability for `count` months up to `last_month`, oldest first,
    from one read of the ledger."""
    months = months_back(first_of(last_month), count)
    start, end = sla.month_bounds(months[0])[0], sla.month_bounds(months[-1])[1]
    spans = session.execute(select(Outage.started_at, Outage.ended_at).where(
        Outage.platform == platform, Outage.cause == sla.PROVIDER_CAUSE,
        Outage.started_at < end, Outage.ended_at > start)).all()
    windows = [sla.Window(w.starts_at, w.ends_at, w.notice_sent_at)
               for w in session.scalars(select(MaintenanceWindow).where(
                   MaintenanceWindow.starts_at < end, MaintenanceWindow.ends_at > start))]
    return [_platform_month(platform, month, [tuple(s) for s in spans], windows)
            for month in months]


def _platform_month(platform: str, month: date, spans, windows) -> PlatformMonth:
    start, end = sla.month_bounds(month)
    minutes = Decimal(int((end - start).total_seconds())) / 60
    return PlatformMonth(platform, month, minutes, sla.downtime_minutes(month, spans, windows))


def credit_tallies(session: Session, month: date) -> list[CreditTally]:
    """Per currency: every request for the month, and those approved (granted)."""
    approved = SlaCreditRequest.status == "approved"
    rows = session.execute(
        select(SlaCreditRequest.currency, func.count(), func.sum(SlaCreditRequest.credit_minor),
               func.count().filter(approved),
               func.sum(SlaCreditRequest.credit_minor).filter(approved))
        .where(SlaCreditRequest.month == first_of(month))
        .group_by(SlaCreditRequest.currency).order_by(SlaCreditRequest.currency)).all()
    return [CreditTally(currency, count, requested or 0, granted_count, granted or 0)
            for currency, count, requested, granted_count, granted in rows]
