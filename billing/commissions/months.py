"""Commission months: provider calendar months (Mountain Time), named "YYYY-MM"."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from billing.core.clock import FIRST_YEAR, LAST_YEAR, PROVIDER_TZ, require_aware
from billing.core.errors import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> str:
    """Check a month key "YYYY-MM" and return it."""
    match = _MONTH.match(text or "")
    if not match or not (1 <= int(match[2]) <= 12 and FIRST_YEAR <= int(match[1]) <= LAST_YEAR):
        raise InvalidInput(f"{text!r} is not a month; use YYYY-MM.", code="bad_month")
    return text


def shift(month: str, delta: int) -> str:
    year, number = int(month[:4]), int(month[5:])
    index = year * 12 + number - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def bounds(month: str) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in UTC."""
    def first(key):
        return datetime(int(key[:4]), int(key[5:]), 1, tzinfo=PROVIDER_TZ).astimezone(UTC)
    return first(month), first(shift(month, 1))


def month_of(moment: datetime) -> str:
    local = require_aware(moment).astimezone(PROVIDER_TZ)
    return f"{local.year:04d}-{local.month:02d}"


def provider_day(moment: datetime) -> date:
    return require_aware(moment).astimezone(PROVIDER_TZ).date()


def recent(now: datetime, count: int) -> list[str]:
    """The month of `now` and the `count - 1` before it, oldest first."""
    current = month_of(now)
    return [shift(current, -back) for back in range(count - 1, -1, -1)]
