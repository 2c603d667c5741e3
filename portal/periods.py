"""Calendar months and date ranges typed into query strings (?month=, ?from=&to=)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import gettext as _

from billing.core.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """'2026-01' as the first day of that month; anything else is refused."""
    match = _MONTH.match(text or "")
    if not match or not (1 <= int(match[2]) <= 12 and 2000 <= int(match[1]) <= 2100):
        raise InvalidInput(_("%(text)s is not a month; use YYYY-MM.", text=repr(text or "")))
    return date(int(match[1]), int(match[2]), 1)


def parse_day(text: str) -> date:
    """'2026-02-01' as a date between the years 2000 and 2100; anything else is refused."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise InvalidInput(_("%(text)s is not a date; use YYYY-MM-DD.", text=repr(text or "")))
    return day


def last_day(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def ended_months(today: date, count: int) -> list[date]:
    """The `count` calendar months that ended last, newest first."""
    months = [previous_month(today)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months
