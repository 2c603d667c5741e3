"""Time rules: instants are aware UTC; bill periods are dates in the provider's zone."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from billing.core.errors import InvalidInput

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years bill periods may fall in
LAST_INSTANT_YEAR = 9998  # the last year any UTC offset can reach without overflowing

PROVIDER_TZ = ZoneInfo("America/Denver")
DEFAULT_CYCLE_DAY = 26
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime refused: instants are stored in UTC")
    return moment.astimezone(UTC)


def provider_date(moment: datetime) -> date:
    """The calendar date of an instant on the provider's wall clock."""
    return require_aware(moment).astimezone(PROVIDER_TZ).date()


@dataclass(frozen=True)
class BillPeriod:
    """A billing period: from the cycle day of one month to the day before it next month."""

    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        """The period is named by the month in which it ends, e.g. 2026-03."""
        return f"{self.end.year:04d}-{self.end.month:02d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def has_begun(self, today: date) -> bool:
        return self.start <= today


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _cycle_date(year: int, month: int, cycle_day: int) -> date:
    return date(year, month, min(cycle_day, calendar.monthrange(year, month)[1]))


def period_ending_in(year: int, month: int, cycle_day: int = DEFAULT_CYCLE_DAY) -> BillPeriod:
    """The bill period that ends in the given month (cycle day 26: 26 Feb to 25 Mar)."""
    prev_year, prev_month = _shift_month(year, month, -1)
    start = _cycle_date(prev_year, prev_month, cycle_day)
    end = _cycle_date(year, month, cycle_day) - timedelta(days=1)
    return BillPeriod(start, end)


def period_containing(day: date, cycle_day: int = DEFAULT_CYCLE_DAY) -> BillPeriod:
    """The bill period that a calendar date falls in."""
    if day >= _cycle_date(day.year, day.month, cycle_day):
        year, month = _shift_month(day.year, day.month, 1)
    else:
        year, month = day.year, day.month
    return period_ending_in(year, month, cycle_day)


def recent_periods(today: date, count: int,
                   cycle_day: int = DEFAULT_CYCLE_DAY) -> list[BillPeriod]:
    """The period that `today` falls in and the `count - 1` before it, newest first."""
    current = period_containing(today, cycle_day).end
    months = [_shift_month(current.year, current.month, -back) for back in range(count)]
    return [period_ending_in(year, month, cycle_day) for year, month in months]


def parse_period(text: str, cycle_day: int = DEFAULT_CYCLE_DAY) -> BillPeriod:
    """Parse a period key "YYYY-MM" (the month the period ends in)."""
    match = _PERIOD.match(text or "")
    if not match:
        raise InvalidInput(f"{text!r} is not a period; use YYYY-MM.")
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR):
        raise InvalidInput(f"{text!r} is not a period; use YYYY-MM.")
    return period_ending_in(year, month, cycle_day)


def parse_instant(text) -> datetime | None:
    """An ISO 8601 date-time with a UTC offset, from FIRST_YEAR to LAST_INSTANT_YEAR, as an
    aware UTC instant; None for anything else, a date such as 9999-12-31T23:59:59-12:00
    that no datetime can hold in UTC included. Whether it may lie in the future is the
    caller's rule."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.utcoffset() is None or not FIRST_YEAR <= moment.year <= LAST_INSTANT_YEAR:
        return None
    return moment.astimezone(UTC)
