"""The collections schedule, hand-computed: autopay days on the provider's business
calendar (Fridays, federal holidays, DST), reminders around the due date, late fees
after the grace period at most once a month, and the fee's one rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.collections.late_fees import fee_amount
from billing.collections.schedule import (
    Step,
    Terms,
    autopay_day,
    autopay_due,
    first_late_fee_day,
    late_fee_due,
    next_retry_day,
    reminder_due,
)
from billing.core.clock import provider_date

TERMS = Terms(reminder_offsets=(-3, 0, 7, 14), autopay_lead_days=3, retry_days=(1, 3, 5),
              grace_days=5, late_fee_mode="percent", late_fee_percent=Decimal("1.5"))


@pytest.mark.parametrize(("due", "charged"), [
    # Due Friday 27 Mar 2026: Thu 26 (1), Wed 25 (2), Tue 24 (3).
    (date(2026, 3, 27), date(2026, 3, 24)),
    # Due Tuesday 26 May 2026, the day after Memorial Day: Mon 25 is off,
    # Fri 22 (1), Thu 21 (2), Wed 20 (3).
    (date(2026, 5, 26), date(2026, 5, 20)),
    # Due Monday 30 Nov 2026: Fri 27 (1), Thanksgiving Thu 26 off, Wed 25 (2), Tue 24 (3).
    (date(2026, 11, 30), date(2026, 11, 24)),
    # Due on a federal holiday, Fri 3 Jul 2026 (Independence Day observed):
    # Thu 2 (1), Wed 1 (2), Tue 30 Jun (3).
    (date(2026, 7, 3), date(2026, 6, 30)),
    # Across the end of DST (Sun 1 Nov 2026): due Wed 4 Nov, Tue 3 (1), Mon 2 (2),
    # the weekend skipped, Fri 30 Oct (3).
    (date(2026, 11, 4), date(2026, 10, 30)),
    # Due Monday 4 Jan 2027: Fri 1 Jan is New Year's Day: Thu 31 (1), Wed 30 (2), Tue 29 (3).
    (date(2027, 1, 4), date(2026, 12, 29)),
])
def test_autopay_charges_three_business_days_before_the_due_date(due, charged):
    assert autopay_day(TERMS, due) == charged
    assert autopay_due(TERMS, due, charged) == Step("autopay", 0, charged.isoformat(), charged)


def test_autopay_day_counts_on_the_providers_calendar_across_dst():
    # 30 Oct 2026 06:30 UTC is 00:30 MDT (UTC-6) on the 30th in Denver: the charge day.
    assert provider_date(datetime(2026, 10, 30, 6, 30, tzinfo=UTC)) == date(2026, 10, 30)
    # 05:30 UTC is still 23:30 on the 29th there: not yet.
    day_before = provider_date(datetime(2026, 10, 30, 5, 30, tzinfo=UTC))
    assert autopay_due(TERMS, date(2026, 11, 4), day_before) is None
    # After DST ends Denver is UTC-7: 2 Nov 06:30 UTC is still 1 Nov, 23:30 MST.
    assert provider_date(datetime(2026, 11, 2, 6, 30, tzinfo=UTC)) == date(2026, 11, 1)


def test_a_missed_charge_day_is_caught_up_until_the_due_date_only():
    due = date(2026, 3, 27)
    assert autopay_due(TERMS, due, date(2026, 3, 23)) is None  # before the charge day
    assert autopay_due(TERMS, due, date(2026, 3, 26)).period == "2026-03-24"
    assert autopay_due(TERMS, due, date(2026, 3, 28)) is None  # past the due date


def test_a_failed_charge_is_retried_after_one_three_and_five_days():
    due, first = date(2026, 3, 27), date(2026, 3, 24)
    assert autopay_due(TERMS, due, date(2026, 3, 24), [first]) is None
    assert autopay_due(TERMS, due, date(2026, 3, 25), [first]) == Step(
        "autopay", 1, "2026-03-25", date(2026, 3, 25))
    failed = [first, date(2026, 3, 25)]
    assert autopay_due(TERMS, due, date(2026, 3, 26), failed) is None
    assert autopay_due(TERMS, due, date(2026, 3, 27), failed).step == 2  # 24 + 3
    failed.append(date(2026, 3, 27))
    assert next_retry_day(TERMS, failed) == date(2026, 3, 29)  # 24 + 5, past the due date
    assert autopay_due(TERMS, due, date(2026, 3, 29), failed).step == 3
    failed.append(date(2026, 3, 29))
    assert next_retry_day(TERMS, failed) is None
    assert autopay_due(TERMS, due, date(2026, 4, 10), failed) is None


@pytest.mark.parametrize(("today", "step"), [
    (date(2026, 3, 23), None),  # 4 days before
    (date(2026, 3, 24), -3),
    (date(2026, 3, 26), -3),  # caught up, still the latest step
    (date(2026, 3, 27), 0),  # the due date, a Friday
    (date(2026, 4, 3), 7),
    (date(2026, 4, 10), 14),
    (date(2026, 4, 13), 14),  # 3 days late: still sent
    (date(2026, 4, 14), None),  # 4 days late: too stale to send
])
def test_reminders_fall_before_on_and_after_the_due_date(today, step):
    found = reminder_due(TERMS, date(2026, 3, 27), today)
    assert (found.step if found else None) == step


def test_the_grace_period_delays_the_first_late_fee():
    due = date(2026, 3, 10)
    # Overdue from 11 Mar; 5 days' grace (11 to 15); the fee comes on the 16th.
    assert first_late_fee_day(TERMS, due) == date(2026, 3, 16)
    assert late_fee_due(TERMS, due, date(2026, 3, 15)) is None
    assert late_fee_due(TERMS, due, date(2026, 3, 16)) == Step(
        "late_fee", 0, "2026-03", date(2026, 3, 16))
    no_grace = Terms(grace_days=0, late_fee_mode="percent", late_fee_percent=Decimal(1))
    assert first_late_fee_day(no_grace, date(2026, 3, 27)) == date(2026, 3, 28)  # Saturday


def test_late_fees_come_at_most_once_a_month():
    due = date(2026, 1, 25)  # first fee day: 31 Jan (25 + 5 grace + 1)
    days = {late_fee_due(TERMS, due, date(2026, 1, 31)),
            late_fee_due(TERMS, due, date(2026, 2, 27))}
    assert days == {Step("late_fee", 0, "2026-01", date(2026, 1, 31))}  # one in January
    # February has no 31st: its fee comes on the 28th, March's on the 31st.
    assert late_fee_due(TERMS, due, date(2026, 2, 28)) == Step(
        "late_fee", 1, "2026-02", date(2026, 2, 28))
    assert late_fee_due(TERMS, due, date(2026, 3, 30)).period == "2026-02"
    assert late_fee_due(TERMS, due, date(2026, 3, 31)).period == "2026-03"


def test_no_fee_policy_charges_nothing():
    assert late_fee_due(Terms(), date(2026, 1, 1), date(2026, 6, 1)) is None


@pytest.mark.parametrize(("overdue", "expected"), [
    (60_000, 900),  # 600.00 x 1.5 % = 9.00
    (33_333, 500),  # 333.33 x 1.5 % = 4.99995, half-up: 5.00
    (33_300, 500),  # 333.00 x 1.5 % = 4.995, half-up: 5.00
    (33_299, 499),  # 332.99 x 1.5 % = 4.99485: 4.99
    (0, 0),
    (-500, 0),  # paid over: no fee
])
def test_the_percent_fee_is_rounded_half_up_once(overdue, expected):
    assert fee_amount(TERMS, overdue, "USD") == expected


def test_a_fixed_fee_is_per_currency():
    fixed = Terms(late_fee_mode="fixed", late_fee_fixed={"USD": 2500, "EUR": 2000})
    assert fee_amount(fixed, 10, "USD") == 2500
    assert fee_amount(fixed, 10, "EUR") == 2000
    assert fee_amount(fixed, 10, "GBP") == 0  # no amount set for pounds
