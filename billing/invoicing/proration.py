"""Proration by day: the share of a period's recurring charge that a part of it earns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from billing.core.clock import BillPeriod
from billing.core.money import to_minor


def overlap_days(period: BillPeriod, start: date, end: date | None) -> int:
    """Days of the period (inclusive) that fall within [start, end]; end None is open."""
    first = max(period.start, start)
    last = min(period.end, end) if end else period.end
    return max(0, (last - first).days + 1)


def prorated_minor(full_charge: Decimal, currency: str, period: BillPeriod, days: int) -> int:
    """`days` of the period's full charge, rounded half-up once."""
    return to_minor(Decimal(full_charge) * days / period.days, currency)
