"""The SLA credit calculation (docs/sla-credits.md), as one pure function.

`calculate_credit` takes everything it needs as plain values and touches no database,
so each rule can be checked by hand:

- The month is a calendar month on the provider's clock (America/Denver). Its length
  is measured in UTC, so DST months have 743 (March) or 721 (November) hours.
- The allowance is 0.05 % of the month's minutes, fractions kept (22.32 in 31 days).
- An outage counts only if its cause is the provider's own ("provider") and the
  customer opened a ticket for it within 72 hours of its start. Excluded causes are
  the letters (a) to (i) of the service terms. Overlapping outages count once; an
  outage crossing a month boundary counts in each month for its part in it.
- Scheduled maintenance is cut out of counted time, but only for windows whose notice
  went out at least 7 days before they started.
- Internet-delivered services carry no guarantee: never credited.
- Each started hour of unavailability beyond the allowance earns one day of the
  service's monthly charge (charge / days in month); the credit is rounded half-up to
  minor units once, at the end, and never exceeds the monthly charge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from billing.core.clock import PROVIDER_TZ
from billing.core.money import Money, to_minor

ALLOWED_SHARE = Decimal("0.0005")  # 99.95 % availability
TICKET_WINDOW = timedelta(hours=72)
NOTICE_PERIOD = timedelta(days=7)
PROVIDER_CAUSE = "provider"
EXCLUSIONS = {
    "a": "Acts or omissions of the customer, its agents or users",
    "b": "Customer power outage",
    "c": "Networks outside the provider's data centre, or a tier-1 carrier",
    "d": "Scheduled maintenance",
    "e": "Account codes, the client's network or environment, e-mail client, DNS",
    "f": "Third-party external connections",
    "g": "Connection brought down by someone outside the provider",
    "h": "The customer's applications, equipment or facilities",
    "i": "Force majeure",
}
CAUSES = (PROVIDER_CAUSE, *EXCLUSIONS)


@dataclass(frozen=True)
class Outage:
    """One outage affecting the service, with the customer's earliest ticket for it."""

    start: datetime
    end: datetime
    cause: str
    ticket_opened_at: datetime | None = None
    ref: str = ""


@dataclass(frozen=True)
class Window:
    """A maintenance window and when its notice went out (None: never)."""

    start: datetime
    end: datetime
    notice_sent_at: datetime | None


@dataclass(frozen=True)
class OutageVerdict:
    ref: str
    start: datetime
    end: datetime
    minutes: Decimal  # within the month
    counted: bool
    reason: str  # "counted", "late_ticket", "no_ticket", "internet" or an exclusion letter


@dataclass(frozen=True)
class CreditCalculation:
    month: date  # the first day of the month
    minutes_in_month: Decimal
    allowance_minutes: Decimal
    outages: list[OutageVerdict]
    counted_minutes: Decimal  # the union of counted outages, before maintenance
    maintenance_minutes: Decimal  # counted time that fell in a noticed window
    late_notice_windows: int  # windows that excuse nothing
    unavailable_minutes: Decimal
    excess_minutes: Decimal
    hours: int
    days_in_month: int
    daily_rate: Decimal  # in major units, unrounded
    uncapped_minor: int
    cap_minor: int
    credit_minor: int
    internet_delivered: bool = False


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month's first and after-last instants on the provider's clock, in UTC."""
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return (datetime.combine(first, time.min, PROVIDER_TZ).astimezone(UTC),
            datetime.combine(after, time.min, PROVIDER_TZ).astimezone(UTC))


def calculate_credit(month: date, monthly_charge_minor: int, currency: str,
                     outages: list[Outage], windows: list[Window], *,
                     internet_delivered: bool = False) -> CreditCalculation:
    """The SLA credit of one service for one month, with every figure that led to it."""
    start, end = month_bounds(month)
    minutes_in_month = _minutes(end - start)
    allowance = minutes_in_month * ALLOWED_SHARE
    verdicts = [_verdict(o, start, end, internet_delivered) for o in outages]
    verdicts = [v for v in verdicts if v.minutes > 0]
    counted = _union([(v.start, v.end) for v in verdicts if v.counted])
    noticed = [(w.start.astimezone(UTC), w.end.astimezone(UTC)) for w in windows
               if _noticed(w)]
    kept = _subtract(counted, _union(noticed))
    counted_minutes, unavailable = _total(counted), _total(kept)
    excess = max(Decimal(0), unavailable - allowance)
    hours = math.ceil(excess / 60)
    days = (end.astimezone(PROVIDER_TZ).date() - start.astimezone(PROVIDER_TZ).date()).days
    charge = Money(monthly_charge_minor, currency).major
    uncapped = to_minor(charge * hours / days, currency)
    return CreditCalculation(
        month=month.replace(day=1), minutes_in_month=minutes_in_month,
        allowance_minutes=allowance, outages=verdicts, counted_minutes=counted_minutes,
        maintenance_minutes=counted_minutes - unavailable,
        late_notice_windows=sum(1 for w in windows if not _noticed(w)),
        unavailable_minutes=unavailable, excess_minutes=excess, hours=hours,
        days_in_month=days, daily_rate=charge / days, uncapped_minor=uncapped,
        cap_minor=monthly_charge_minor,
        credit_minor=0 if internet_delivered else min(uncapped, monthly_charge_minor),
        internet_delivered=internet_delivered)


def _verdict(outage: Outage, month_start, month_end, internet: bool) -> OutageVerdict:
    start = max(outage.start.astimezone(UTC), month_start)
    end = min(outage.end.astimezone(UTC), month_end)
    minutes = _minutes(end - start) if end > start else Decimal(0)
    reason = _reason(outage, internet)
    return OutageVerdict(outage.ref, start, end, minutes, reason == "counted", reason)


def _reason(outage: Outage, internet: bool) -> str:
    if internet:
        return "internet"
    if outage.cause != PROVIDER_CAUSE:
        return outage.cause
    if outage.ticket_opened_at is None:
        return "no_ticket"
    if outage.ticket_opened_at > outage.start + TICKET_WINDOW:
        return "late_ticket"
    return "counted"


def _noticed(window: Window) -> bool:
    return window.notice_sent_at is not None and (
        window.notice_sent_at <= window.start - NOTICE_PERIOD)


def _union(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(spans, holes):
    """The parts of sorted, disjoint `spans` outside sorted, disjoint `holes`."""
    result = []
    for start, end in spans:
        for hole_start, hole_end in holes:
            if hole_end <= start or hole_start >= end:
                continue
            if hole_start > start:
                result.append((start, hole_start))
            start = max(start, hole_end)
        if start < end:
            result.append((start, end))
    return result


def _total(spans) -> Decimal:
    return sum((_minutes(end - start) for start, end in spans), Decimal(0))


def _minutes(duration: timedelta) -> Decimal:
    # Only ever given differences of UTC instants: two datetimes sharing a local tzinfo
    # subtract as wall-clock times, which is an hour off across a DST change.
    return Decimal(int(duration.total_seconds())) / 60


def standard_windows(year: int) -> list[tuple[datetime, datetime]]:
    """The standard maintenance windows of a year: the third Friday of each month,
    22:00 to 04:00 the next morning on the provider's clock, as UTC instants."""
    windows = []
    for month in range(1, 13):
        first = date(year, month, 1)
        third_friday = first + timedelta(days=(4 - first.weekday()) % 7 + 14)
        start = datetime.combine(third_friday, time(22), PROVIDER_TZ)
        end = datetime.combine(third_friday + timedelta(days=1), time(4), PROVIDER_TZ)
        windows.append((start.astimezone(UTC), end.astimezone(UTC)))
    return windows


def downtime_minutes(month: date, spans: list[tuple[datetime, datetime]],
                     windows: list[Window]) -> Decimal:
    """Minutes of the month inside any of the spans (overlaps once, clipped to the month)
    and outside noticed maintenance: a platform's downtime, with no tickets involved."""
    start, end = month_bounds(month)
    clipped = [(max(s.astimezone(UTC), start), min(e.astimezone(UTC), end)) for s, e in spans]
    noticed = [(w.start.astimezone(UTC), w.end.astimezone(UTC)) for w in windows if _noticed(w)]
    return _total(_subtract(_union([c for c in clipped if c[1] > c[0]]), _union(noticed)))
