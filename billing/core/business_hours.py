"""The provider's business clock: 08:00 to 17:00 Mountain Time, Monday to Friday, US
federal holidays (and their observed days) off. Dispute deadlines count business hours
on it, and breach notices count business days.

Instants go in and out as aware datetimes; the walk happens day by day on the
provider's local calendar, so DST changes need no special case: a business day is nine
hours of local wall-clock time whatever the offset is that day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from billing.core.clock import PROVIDER_TZ

OPENS, CLOSES = time(8), time(17)


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.US(years=year))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _federal_holidays(day.year)


def _day_span(day: date) -> tuple[datetime, datetime]:
    return (datetime.combine(day, OPENS, PROVIDER_TZ).astimezone(UTC),
            datetime.combine(day, CLOSES, PROVIDER_TZ).astimezone(UTC))


def add_business_hours(start: datetime, hours: float | int,
                       pauses: list[tuple[datetime, datetime]] = ()) -> datetime:
    """The instant `hours` business hours after `start`, not counting business time that
    falls in a pause (e.g. while a dispute waits on its filer). A start after hours
    counts from the next opening."""
    left = timedelta(hours=hours)
    day = start.astimezone(PROVIDER_TZ).date()
    while True:
        if is_business_day(day):
            opens, closes = _day_span(day)
            for free_from, free_to in _open_parts(max(opens, start), closes, pauses):
                if free_to - free_from >= left:
                    return free_from + left
                left -= free_to - free_from
        day += timedelta(days=1)


def business_time_between(start: datetime, end: datetime,
                          pauses: list[tuple[datetime, datetime]] = ()) -> timedelta:
    """How much business time passed from `start` to `end`, pauses left out."""
    total = timedelta(0)
    day = start.astimezone(PROVIDER_TZ).date()
    while day <= end.astimezone(PROVIDER_TZ).date():
        if is_business_day(day):
            opens, closes = _day_span(day)
            for free_from, free_to in _open_parts(max(opens, start), min(closes, end), pauses):
                total += free_to - free_from
        day += timedelta(days=1)
    return total


def add_business_days(day: date, count: int) -> date:
    """The date `count` business days after `day` (the day itself not counted)."""
    while count > 0:
        day += timedelta(days=1)
        count -= is_business_day(day)
    return day


def _open_parts(start: datetime, end: datetime, pauses):
    """The parts of [start, end) outside every pause, in order."""
    parts = [(start, end)] if start < end else []
    for pause_from, pause_to in sorted(pauses):
        kept = []
        for a, b in parts:
            if pause_to <= a or pause_from >= b:
                kept.append((a, b))
                continue
            if pause_from > a:
                kept.append((a, pause_from))
            if pause_to < b:
                kept.append((pause_to, b))
        parts = kept
    return parts
