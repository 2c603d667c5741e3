"""The SLA credit calculation, case by case, with the arithmetic beside each case.

Months are calendar months in Mountain Time. January 2026 has 31 days (44,640 minutes,
allowance 22.32); April 2026 has 30 (43,200 minutes, allowance 21.6). Charges are chosen
so a day is 10.00: 310.00 in a 31-day month, 300.00 in a 30-day one, 280.00 in February.
Each outage has a ticket an hour after it starts unless a case says otherwise.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.core.clock import PROVIDER_TZ
from billing.sla.calculation import (
    EXCLUSIONS,
    Outage,
    Window,
    calculate_credit,
    downtime_minutes,
    standard_windows,
)

JAN, FEB, MAR, APR, NOV = (date(2026, m, 1) for m in (1, 2, 3, 4, 11))
CHARGE = {JAN: 31_000, FEB: 28_000, MAR: 31_000, APR: 30_000, NOV: 30_000}


def at(month, day, hour, minute=0, second=0):
    """An instant given on the provider's clock."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=PROVIDER_TZ).astimezone(UTC)


def outage(start, length=None, end=None, cause="provider", ticket_after=timedelta(hours=1)):
    end = end or start + length
    ticket = None if ticket_after is None else start + ticket_after
    return Outage(start=start, end=end, cause=cause, ticket_opened_at=ticket)


M = timedelta(minutes=1)
S = timedelta(seconds=1)
# The January maintenance window: third Friday, 16 Jan 22:00 to 17 Jan 04:00 (MST).
JAN_WINDOW = (at(1, 16, 22), at(1, 17, 4))
NOTICED = Window(*JAN_WINDOW, notice_sent_at=JAN_WINDOW[0] - timedelta(days=7))
LATE = Window(*JAN_WINDOW, notice_sent_at=JAN_WINDOW[0] - timedelta(days=6))

CASES = [
    # (name, month, outages, windows, credit in minor units)
    ("no outage", JAN, [], [], 0),
    ("exactly the allowance", APR, [outage(at(4, 7, 9), 21 * M + 36 * S)], [], 0),
    # 21.6 min unavailable - 21.6 allowed = 0 excess: no credit
    ("one minute over", APR, [outage(at(4, 7, 9), 22 * M + 36 * S)], [], 1_000),
    # 22.6 - 21.6 = 1 min excess -> 1 started hour -> 1 day = 10.00
    ("one second over", APR, [outage(at(4, 7, 9), 21 * M + 37 * S)], [], 1_000),
    # 21.6167 - 21.6 = 0.0167 min -> still a started hour -> 10.00
    ("exactly one hour over", APR, [outage(at(4, 7, 9), 81 * M + 36 * S)], [], 1_000),
    # 81.6 - 21.6 = 60 min -> 1 hour -> 10.00
    ("an hour and a second over", APR, [outage(at(4, 7, 9), 81 * M + 37 * S)], [], 2_000),
    # 60.0167 min -> 2 started hours -> 20.00
    ("several short outages add up", JAN,
     [outage(at(1, d, 9), 10 * M) for d in (5, 12, 19)], [], 1_000),
    # 3 x 10 = 30 min - 22.32 = 7.68 -> 1 hour -> 10.00
    ("overlapping outages count once", JAN,
     [outage(at(1, 6, 10), 60 * M), outage(at(1, 6, 10, 30), 30 * M)], [], 1_000),
    # union 10:00-11:00 = 60 min (not 90) - 22.32 = 37.68 -> 1 hour -> 10.00
    ("outage inside a noticed window", JAN, [outage(at(1, 16, 23), 120 * M)], [NOTICED], 0),
    # 23:00-01:00 lies within 22:00-04:00: 0 counted
    ("outage across the window's start", JAN, [outage(at(1, 16, 21), 120 * M)], [NOTICED],
     1_000),
    # 21:00-22:00 counts = 60 - 22.32 = 37.68 -> 1 hour -> 10.00
    ("outage around the window", JAN, [outage(at(1, 16, 21), end=at(1, 17, 5))], [NOTICED],
     2_000),
    # 21:00-22:00 + 04:00-05:00 = 120 - 22.32 = 97.68 -> 2 hours -> 20.00
    ("window with late notice excuses nothing", JAN, [outage(at(1, 16, 23), 120 * M)],
     [LATE], 2_000),
    # notice 6 days ahead: 120 counted - 22.32 = 97.68 -> 2 hours -> 20.00
    ("ticket on day 3", JAN,
     [outage(at(1, 6, 9), 60 * M, ticket_after=timedelta(hours=71, minutes=59))], [], 1_000),
    # ticket 71 h 59 min after the start: counts; 60 - 22.32 -> 1 hour -> 10.00
    ("ticket at exactly 72 hours", JAN,
     [outage(at(1, 6, 9), 60 * M, ticket_after=timedelta(hours=72))], [], 1_000),
    ("ticket on day 4", JAN,
     [outage(at(1, 6, 9), 60 * M, ticket_after=timedelta(hours=72, minutes=1))], [], 0),
    # 72 h 1 min: too late, the outage does not count
    ("no ticket at all", JAN, [outage(at(1, 6, 9), 600 * M, ticket_after=None)], [], 0),
    ("the cap", JAN, [outage(at(1, 6, 9), timedelta(days=3))], [], 31_000),
    # 4320 - 22.32 = 4297.68 min -> 72 hours -> 720.00, capped at the month's 310.00
    ("28-day February", FEB, [outage(at(2, 10, 9), 20 * M + 10 * S)], [], 1_000),
    # 40,320 min x 0.05 % = 20.16; 20.1667 - 20.16 -> 1 hour -> 280.00 / 28 = 10.00
    ("same outage in 31-day January", JAN, [outage(at(1, 10, 9), 20 * M + 10 * S)], [], 0),
    # 20.1667 < 22.32
    ("DST March: 743 hours", MAR, [outage(at(3, 10, 9), 22 * M + 18 * S)], [], 1_000),
    # 44,580 min x 0.05 % = 22.29; 22.3 - 22.29 = 0.01 -> 1 hour -> 310.00 / 31 = 10.00
    ("same outage in January", JAN, [outage(at(1, 10, 9), 22 * M + 18 * S)], [], 0),
    # 22.3 < 22.32
    ("DST November: 721 hours", NOV, [outage(at(11, 10, 9), 21 * M + 37 * S)], [], 0),
    # 43,260 min x 0.05 % = 21.63; 21.6167 < 21.63
    ("same outage in April", APR, [outage(at(4, 10, 9), 21 * M + 37 * S)], [], 1_000),
    # 43,200 min x 0.05 % = 21.6; 21.6167 - 21.6 -> 1 hour -> 10.00
    ("across the end of a month: January's part", JAN,
     [outage(at(1, 31, 23), end=at(2, 1, 1))], [], 1_000),
    # 23:00-24:00 = 60 - 22.32 -> 1 hour -> 10.00
    ("across the end of a month: February's part", FEB,
     [outage(at(1, 31, 23), end=at(2, 1, 1))], [], 1_000),
    # 00:00-01:00 = 60 - 20.16 -> 1 hour -> 10.00
    ("the weekly certificate upload excuses nothing", JAN,
     [outage(at(1, 9, 0), 30 * M)], [], 1_000),
    # Friday 9 Jan 00:00-00:30 counts: 30 - 22.32 = 7.68 -> 1 hour -> 10.00
    ("a noticed window later in the month excuses nothing before it", JAN,
     [outage(at(1, 6, 9), 90 * M)], [NOTICED], 2_000),
    # 6 Jan 09:00-10:30 lies before the 16 Jan window: 90 - 22.32 = 67.68 -> 2 hours -> 20.00
    ("a noticed window earlier in the month excuses nothing after it", JAN,
     [outage(at(1, 20, 9), 90 * M)], [NOTICED], 2_000),
    # 20 Jan 09:00-10:30 lies after the window: 67.68 -> 2 hours -> 20.00
    ("an outage ending as the window opens", JAN,
     [outage(at(1, 16, 20, 30), end=at(1, 16, 22))], [NOTICED], 2_000),
    # 20:30-22:00 touches the window without entering it: 90 min -> 20.00
    ("an outage starting as the window closes", JAN,
     [outage(at(1, 17, 4), 90 * M)], [NOTICED], 2_000),
    ("a one-minute outage tips the month over", JAN,
     [outage(at(1, 6, 9), 22 * M), outage(at(1, 8, 9), 1 * M)], [], 1_000),
    # 22 + 1 = 23 - 22.32 = 0.68 -> 1 hour -> 10.00 (22 alone is within the allowance)
    ("a thirty-second outage tips the month over", JAN,
     [outage(at(1, 6, 9), 22 * M), outage(at(1, 8, 9), 30 * S)], [], 1_000),
    # 22 + 0.5 = 22.5 - 22.32 = 0.18 -> 1 hour -> 10.00
    ("a window never announced excuses nothing", JAN, [outage(at(1, 16, 23), 120 * M)],
     [Window(*JAN_WINDOW, notice_sent_at=None)], 2_000),
    # no notice at all: 120 counted - 22.32 = 97.68 -> 2 hours -> 20.00
    ("two noticed windows around one outage", JAN,
     [outage(at(1, 16, 21), end=at(1, 17, 5))],
     [Window(at(1, 16, 21), at(1, 16, 22), at(1, 2, 0)), NOTICED], 1_000),
    # 21:00-22:00 and 22:00-04:00 are both noticed: only 04:00-05:00 counts -> 10.00
    ("an outage in the second of two noticed windows", JAN, [outage(at(1, 16, 23), 120 * M)],
     [Window(at(1, 2, 22), at(1, 3, 4), at(1, 1, 0) - timedelta(days=10)), NOTICED], 0),
    # the 2 Jan window lies before the outage; the 16 Jan one covers it: nothing counts
    ("two outages inside one window", JAN,
     [outage(at(1, 16, 21), 30 * M), outage(at(1, 16, 23), 30 * M),
      outage(at(1, 17, 3, 30), end=at(1, 17, 5))], [NOTICED], 2_000),
    # 21:00-21:30 before the window, 23:00-23:30 inside it, 03:30-05:00 half in it:
    # 30 + 60 = 90 - 22.32 = 67.68 -> 2 hours -> 20.00
]


@pytest.mark.parametrize("month, outages, windows, credit",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_hand_computed_credits(month, outages, windows, credit):
    result = calculate_credit(month, CHARGE[month], "USD", outages, windows)
    assert result.credit_minor == credit


@pytest.mark.parametrize("letter", sorted(EXCLUSIONS))
def test_each_exclusion_counts_nothing(letter):
    # 10 hours that would earn 10 days (100.00) if the provider had caused them
    result = calculate_credit(JAN, 31_000, "USD",
                              [outage(at(1, 6, 9), 600 * M, cause=letter)], [])
    assert result.credit_minor == 0 and result.outages[0].reason == letter


def test_internet_delivered_services_are_never_credited():
    result = calculate_credit(JAN, 31_000, "USD", [outage(at(1, 6, 9), 600 * M)], [],
                              internet_delivered=True)
    assert (result.credit_minor, result.outages[0].reason) == (0, "internet")
    assert result.internet_delivered is True  # the page says why no credit is due
    assert calculate_credit(JAN, 31_000, "USD", [], []).internet_delivered is False


def test_a_dst_change_inside_an_outage_counts_real_minutes():
    # 8 Mar 2026 01:30 MST to 03:30 MDT: two hours on the wall clock, one hour elapsed
    start = datetime(2026, 3, 8, 1, 30, tzinfo=PROVIDER_TZ)
    end = datetime(2026, 3, 8, 3, 30, tzinfo=PROVIDER_TZ)
    result = calculate_credit(MAR, 31_000, "USD", [outage(start, end=end)], [])
    assert result.unavailable_minutes == 60  # 60 - 22.29 = 37.71 -> 1 hour
    assert result.credit_minor == 1_000


def test_month_lengths_on_the_providers_clock():
    assert calculate_credit(MAR, 1, "USD", [], []).minutes_in_month == 743 * 60
    assert calculate_credit(NOV, 1, "USD", [], []).minutes_in_month == 721 * 60
    assert calculate_credit(JAN, 1, "USD", [], []).allowance_minutes == Decimal("22.32")


def test_money_is_rounded_once_at_the_end():
    # 100.00 / 31 days = 3.2258... a day; 3 hours -> 9.677... -> 9.68 (not 3 x 3.23 = 9.69)
    result = calculate_credit(JAN, 10_000, "USD", [outage(at(1, 6, 9), 22.32 * M + 150 * M)],
                              [])
    assert result.hours == 3 and result.credit_minor == 968


def test_the_calculation_shows_its_working():
    result = calculate_credit(JAN, 31_000, "USD",
                              [outage(at(1, 16, 21), end=at(1, 17, 5)),
                               outage(at(1, 6, 9), 60 * M, cause="c")], [NOTICED, LATE])
    assert result.counted_minutes == 480 and result.maintenance_minutes == 360
    assert result.unavailable_minutes == 120 and result.excess_minutes == Decimal("97.68")
    assert result.late_notice_windows == 1 and result.days_in_month == 31
    assert [v.reason for v in result.outages] == ["counted", "c"]


def test_standard_windows_are_third_fridays_from_22_to_04_mountain_time():
    windows = standard_windows(2026)
    assert len(windows) == 12
    assert windows[0] == JAN_WINDOW  # MST: 05:00 UTC on Saturday 17 Jan
    start, end = windows[6]  # July, daylight time: third Friday is 17 Jul
    assert start == datetime(2026, 7, 18, 4, tzinfo=UTC) and end - start == timedelta(hours=6)
    assert all(s.astimezone(PROVIDER_TZ).weekday() == 4 for s, _ in windows)
    assert all(15 <= s.astimezone(PROVIDER_TZ).day <= 21 for s, _ in windows)


spans = st.lists(st.tuples(st.integers(0, 31 * 24 * 60), st.integers(1, 48 * 60)), max_size=6)


def _outages(pairs):
    base = at(1, 1, 0)
    return [outage(base + start * M, length * M) for start, length in pairs]


@given(spans)
def test_the_credit_never_exceeds_the_cap(pairs):
    assert calculate_credit(JAN, 31_000, "USD", _outages(pairs), []).credit_minor <= 31_000


@given(spans, st.tuples(st.integers(0, 31 * 24 * 60), st.integers(1, 48 * 60)))
def test_more_unavailability_never_lowers_the_credit(pairs, extra):
    before = calculate_credit(JAN, 31_000, "USD", _outages(pairs), [])
    after = calculate_credit(JAN, 31_000, "USD", _outages([*pairs, extra]), [])
    assert after.unavailable_minutes >= before.unavailable_minutes
    assert after.credit_minor >= before.credit_minor


@given(st.lists(st.tuples(st.integers(0, 31 * 24 * 60), st.integers(1, 22)), max_size=1))
def test_no_credit_within_the_allowance(pairs):
    result = calculate_credit(JAN, 31_000, "USD", _outages(pairs), [])
    assert result.unavailable_minutes <= result.allowance_minutes
    assert result.credit_minor == 0


def test_the_explanation_shows_the_daily_rate_the_cap_and_the_uncapped_amount():
    # 3 days down: 4320 - 22.32 = 4297.68 min -> 72 hours x 10.00 a day = 720.00,
    # capped at the month's charge of 310.00
    result = calculate_credit(JAN, 31_000, "USD", [outage(at(1, 6, 9), timedelta(days=3))], [])
    assert result.daily_rate == Decimal("10")
    assert (result.hours, result.uncapped_minor, result.cap_minor) == (72, 72_000, 31_000)
    assert result.credit_minor == 31_000 and result.month == JAN


def test_the_explanation_names_the_month_by_its_first_day():
    assert calculate_credit(date(2026, 1, 17), 31_000, "USD", [], []).month == JAN


def test_an_uncapped_credit_is_the_credit():
    # 90 min: 67.68 excess -> 2 hours x 10.00 = 20.00, well under the cap
    result = calculate_credit(JAN, 31_000, "USD", [outage(at(1, 6, 9), 90 * M)], [])
    assert (result.uncapped_minor, result.cap_minor, result.credit_minor) == (2_000, 31_000,
                                                                               2_000)


def test_each_window_without_timely_notice_is_counted_as_late():
    never = Window(at(1, 20, 22), at(1, 21, 4), notice_sent_at=None)
    result = calculate_credit(JAN, 31_000, "USD", [], [NOTICED, LATE, never])
    assert result.late_notice_windows == 2
    assert calculate_credit(JAN, 31_000, "USD", [], [NOTICED]).late_notice_windows == 0


def test_outages_of_a_minute_or_less_are_listed_with_their_minutes():
    result = calculate_credit(JAN, 31_000, "USD",
                              [outage(at(1, 6, 9), 1 * M), outage(at(1, 7, 9), 30 * S)], [])
    assert [(v.minutes, v.reason) for v in result.outages] == [(1, "counted"),
                                                                (Decimal("0.5"), "counted")]
    assert result.unavailable_minutes == Decimal("1.5")


def test_an_outage_in_another_month_is_not_listed():
    result = calculate_credit(FEB, 28_000, "USD", [outage(at(1, 6, 9), 600 * M)], [])
    assert result.outages == [] and result.unavailable_minutes == 0


def test_why_an_outage_did_not_count_is_given_with_its_ticket_reference():
    late = Outage(at(1, 6, 9), at(1, 6, 10), "provider", at(1, 9, 9, 1), ref="TT-000007")
    untracked = Outage(at(1, 7, 9), at(1, 7, 10), "provider", None, ref="TT-000008")
    result = calculate_credit(JAN, 31_000, "USD", [late, untracked], [])
    assert [(v.ref, v.reason, v.counted) for v in result.outages] == [
        ("TT-000007", "late_ticket", False), ("TT-000008", "no_ticket", False)]


def test_platform_downtime_counts_overlaps_once_within_the_month_outside_noticed_windows():
    spans = [(at(1, 6, 9), at(1, 6, 11)), (at(1, 6, 10), at(1, 6, 12)),  # 09:00-12:00
             (at(1, 16, 21), at(1, 17, 5)),  # 21:00-05:00 around the window: 2 h outside
             (at(1, 31, 23), at(2, 1, 2)),  # 1 h in January
             (at(2, 3, 9), at(2, 3, 10))]  # February only
    assert downtime_minutes(JAN, spans, [NOTICED]) == (3 + 2 + 1) * 60
    assert downtime_minutes(JAN, spans, [LATE]) == (3 + 8 + 1) * 60
    assert downtime_minutes(FEB, spans, [NOTICED]) == (2 + 1) * 60


def test_platform_downtime_of_a_quiet_month_is_zero():
    assert downtime_minutes(JAN, [(at(2, 3, 9), at(2, 3, 10))], []) == 0
    assert downtime_minutes(JAN, [], [NOTICED]) == 0


def test_the_daily_rate_does_not_depend_on_the_servers_time_zone(server_time_zone):
    server_time_zone("Pacific/Honolulu")  # UTC-10: Denver's midnight is the evening before
    result = calculate_credit(JAN, 31_000, "USD", [outage(at(1, 6, 9), 90 * M)], [])
    assert (result.days_in_month, result.daily_rate, result.credit_minor) == (31, 10, 2_000)
