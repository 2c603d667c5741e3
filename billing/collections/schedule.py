"""Which collection steps fall due on a day: pure rules over dates, no database.

Given the policy's terms, an invoice's due date and today's date on the provider's
calendar (billing.core.clock.provider_date), each function says whether a step is due
and names it (kind, step, period), the key under which the action log takes it once:

- autopay: the first charge on the day `autopay_lead_days` business days (provider's
  calendar: weekdays, US federal holidays off) before the due date, or on a later day up
  to the due date if the job did not run that day; after a failure, retries the given
  numbers of calendar days after the first attempt (e.g. 1, 3 and 5).
- reminders: on the due date plus each offset in calendar days (negative before, zero
  on, positive after); a day the job missed is caught up for `CATCH_UP_DAYS` days only,
  so a long-overdue invoice is not sent a stale reminder.
- late fees: first on the day after the grace period (the due date plus `grace_days`
  plus one), then on the same day each month while the invoice stays overdue: at most
  one per invoice per month, the period being that month.

Whether anything is owed (collectible, overdue) is the balance's to say; these rules
only say when.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from billing.core.business_hours import is_business_day

CATCH_UP_DAYS = 3


@dataclass(frozen=True)
class Terms:
    """The policy's figures as plain values (billing.collections.policy loads them)."""

    reminder_offsets: tuple[int, ...] = (-3, 0, 7, 14)
    autopay_lead_days: int = 3
    retry_days: tuple[int, ...] = (1, 3, 5)
    grace_days: int = 0
    late_fee_mode: str = "none"
    late_fee_percent: Decimal = Decimal(0)
    late_fee_fixed: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One step due: `on` is the day it was scheduled for (maybe before today)."""

    kind: str
    step: int
    period: str
    on: date


def business_days_before(day: date, count: int) -> date:
    """The business day `count` business days before `day` (the day itself not counted)."""
    while count > 0:
        day -= timedelta(days=1)
        count -= is_business_day(day)
    return day


def autopay_day(terms: Terms, due_date: date) -> date:
    """The day autopay first charges an invoice due on `due_date`."""
    return business_days_before(due_date, terms.autopay_lead_days)


def autopay_due(terms: Terms, due_date: date, today: date,
                failed_on: list[date] = ()) -> Step | None:
    """The autopay attempt due today, given the days of the attempts that failed so far
    (oldest first); None when none is due (or every retry is spent)."""
    if not failed_on:
        first = autopay_day(terms, due_date)
        if first <= today <= due_date:
            return Step("autopay", 0, first.isoformat(), first)
        return None
    tried = len(failed_on)
    if tried > len(terms.retry_days):
        return None
    retry_on = failed_on[0] + timedelta(days=terms.retry_days[tried - 1])
    if retry_on <= today and failed_on[-1] < today:
        return Step("autopay", tried, retry_on.isoformat(), retry_on)
    return None


def reminder_due(terms: Terms, due_date: date, today: date) -> Step | None:
    """The reminder due today: the latest step whose day has come, if it came at most
    `CATCH_UP_DAYS` days ago."""
    days = [(due_date + timedelta(days=offset), offset)
            for offset in sorted(set(terms.reminder_offsets))]
    passed = [(day, offset) for day, offset in days if day <= today]
    if not passed:
        return None
    day, offset = passed[-1]
    if (today - day).days > CATCH_UP_DAYS:
        return None
    return Step("reminder", offset, day.isoformat(), day)


def first_late_fee_day(terms: Terms, due_date: date) -> date:
    """The first day a late fee may be charged: after the due date and the grace period."""
    return due_date + timedelta(days=terms.grace_days + 1)


def late_fee_due(terms: Terms, due_date: date, today: date) -> Step | None:
    """The late fee due today if the invoice is overdue: the latest monthly anniversary
    of the first fee day that has come (its month is the period)."""
    if terms.late_fee_mode == "none":
        return None
    first = first_late_fee_day(terms, due_date)
    if today < first:
        return None
    months = (today.year - first.year) * 12 + today.month - first.month
    if add_months(first, months) > today:
        months -= 1
    day = add_months(first, months)
    return Step("late_fee", months, f"{day:%Y-%m}", day)


def add_months(day: date, months: int) -> date:
    """The same day `months` months later, or that month's last day if it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def earliest_due_date_watched(terms: Terms, today: date) -> date:
    """Invoices due before this day need only late fees and autopay retries: reminders
    and first charges of older ones are past (a bound for the job's selection)."""
    after = max([0, *terms.reminder_offsets]) + CATCH_UP_DAYS
    return today - timedelta(days=after)


def latest_due_date_watched(terms: Terms, today: date) -> date:
    """No step is due today for an invoice due after this day."""
    before = max([0, *(-o for o in terms.reminder_offsets)])
    # Business days: weekends and at most a couple of holidays in any stretch.
    lead = terms.autopay_lead_days * 7 // 5 + 7
    return today + timedelta(days=max(before, lead))


def next_retry_day(terms: Terms, failed_on: list[date]) -> date | None:
    """After these failed attempts (oldest first), the day of the next retry; None when
    every retry is spent."""
    tried = len(failed_on)
    if not failed_on or tried > len(terms.retry_days):
        return None
    return failed_on[0] + timedelta(days=terms.retry_days[tried - 1])
