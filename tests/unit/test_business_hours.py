"""The business clock (08:00-17:00 Mountain Time, weekdays, US federal holidays off),
hand-checked: the arithmetic is beside each case."""

from datetime import UTC, date, datetime

import pytest

from billing.core.business_hours import add_business_days, add_business_hours, business_time_between
from billing.core.clock import PROVIDER_TZ


def mt(year, month, day, hour, minute=0):
    """An instant on the provider's clock (MST or MDT as the date has it)."""
    return datetime(year, month, day, hour, minute, tzinfo=PROVIDER_TZ).astimezone(UTC)


@pytest.mark.parametrize("start, hours, deadline", [
    # Mon 2 Mar 10:00 + 8 h: Mon 10-17 is 7 h, then Tue 08:00 + 1 h
    (mt(2026, 3, 2, 10), 8, mt(2026, 3, 3, 9)),
    # across a weekend and the DST start (Sun 8 Mar): Fri 6 Mar 15-17 is 2 h,
    # Mon 9 Mar (now MDT) 08:00 + 2 h = 10:00 MDT = 16:00 UTC
    (mt(2026, 3, 6, 15), 4, datetime(2026, 3, 9, 16, tzinfo=UTC)),
    # a federal holiday: Fri 16 Jan 16-17 is 1 h, Mon 19 Jan is MLK Day, Tue 08:00 + 1 h
    (mt(2026, 1, 16, 16), 2, mt(2026, 1, 20, 9)),
    # filed after hours: Tue 3 Mar 19:30 counts from Wed 08:00
    (mt(2026, 3, 3, 19, 30), 1, mt(2026, 3, 4, 9)),
    # filed on a Saturday: from Monday's opening
    (mt(2026, 3, 14, 11), 3, mt(2026, 3, 16, 11)),
    # DST end (Sun 1 Nov): Fri 30 Oct 16-17 MDT is 1 h, Mon 2 Nov 08:00 MST + 1 h = 16:00 UTC
    (mt(2026, 10, 30, 16), 2, datetime(2026, 11, 2, 16, tzinfo=UTC)),
    # Thanksgiving: Wed 25 Nov 16-17 is 1 h, Thu off, Fri 08-17 is 9 h: ends at Fri's close
    (mt(2026, 11, 25, 16), 10, mt(2026, 11, 27, 17)),
    # Independence Day on a Saturday is observed Fri 3 Jul: Thu 2 Jul 1 h, Mon 6 Jul 09:00
    (mt(2026, 7, 2, 16), 2, mt(2026, 7, 6, 9)),
])
def test_deadlines_in_business_hours(start, hours, deadline):
    assert add_business_hours(start, hours) == deadline


def test_a_pause_stops_the_clock():
    # Mon 2 Mar 08:00 + 4 h, waiting on the filer 09:00-11:00: 08-09 is 1 h, 11:00 + 3 h
    pause = [(mt(2026, 3, 2, 9), mt(2026, 3, 2, 11))]
    assert add_business_hours(mt(2026, 3, 2, 8), 4, pause) == mt(2026, 3, 2, 14)


def test_a_pause_overnight():
    # paused Mon 16:00 to Tue 10:00: Mon 08-16 is 8 h, Tue 10-17 is 7 h, Wed 08:00 + 1 h
    pause = [(mt(2026, 3, 2, 16), mt(2026, 3, 3, 10))]
    assert add_business_hours(mt(2026, 3, 2, 8), 16, pause) == mt(2026, 3, 4, 9)


def test_business_time_between_two_instants():
    # Mon 2 Mar 10:00 to Wed 4 Mar 12:00: 7 h + 9 h + 4 h = 20 h
    start, end = mt(2026, 3, 2, 10), mt(2026, 3, 4, 12)
    assert business_time_between(start, end).total_seconds() == 20 * 3600
    # the whole of Tuesday paused: 20 - 9 = 11 h
    pause = [(mt(2026, 3, 3, 0), mt(2026, 3, 4, 0))]
    assert business_time_between(start, end, pause).total_seconds() == 11 * 3600


@pytest.mark.parametrize("start, count, expected", [
    # Thu 19 Nov + 7: Fri 20, Mon 23, Tue 24, Wed 25, (Thanksgiving), Fri 27, Mon 30, Tue 1 Dec
    (date(2026, 11, 19), 7, date(2026, 12, 1)),
    # Wed 23 Dec + 3: Thu 24, (Christmas Fri 25), Mon 28, Tue 29
    (date(2026, 12, 23), 3, date(2026, 12, 29)),
    # a Saturday + 1: Monday
    (date(2026, 3, 14), 1, date(2026, 3, 16)),
])
def test_business_days(start, count, expected):
    assert add_business_days(start, count) == expected


def test_two_pauses_on_one_business_day():
    # Mon 2 Mar 08:00 + 4 h, paused 09-10 and 11-12: 08-09 and 10-11 are 2 h, 12:00 + 2 h
    pauses = [(mt(2026, 3, 2, 11), mt(2026, 3, 2, 12)), (mt(2026, 3, 2, 9), mt(2026, 3, 2, 10))]
    assert add_business_hours(mt(2026, 3, 2, 8), 4, pauses) == mt(2026, 3, 2, 14)
    # the same day from 08:00 to 17:00 holds 9 - 2 = 7 business hours
    day = business_time_between(mt(2026, 3, 2, 8), mt(2026, 3, 2, 17), pauses)
    assert day.total_seconds() == 7 * 3600


def test_a_deadline_landing_exactly_at_a_pause_ends_there():
    # Mon 2 Mar 08:00 + 1 h with a pause from 09:00: the hour is used up as the pause begins
    pause = [(mt(2026, 3, 2, 9), mt(2026, 3, 2, 10))]
    assert add_business_hours(mt(2026, 3, 2, 8), 1, pause) == mt(2026, 3, 2, 9)


def test_a_pause_outside_business_hours_changes_nothing():
    # paused Sat 7 Mar to Sun 8 Mar, and Mon 2 Mar 18:00-20:00
    pauses = [(mt(2026, 3, 7, 9), mt(2026, 3, 8, 12)), (mt(2026, 3, 2, 18), mt(2026, 3, 2, 20))]
    assert add_business_hours(mt(2026, 3, 2, 16), 2, pauses) == mt(2026, 3, 3, 9)
    assert business_time_between(mt(2026, 3, 2, 8), mt(2026, 3, 9, 8), pauses) \
        .total_seconds() == 5 * 9 * 3600


def test_a_pause_covering_the_start_delays_the_clock_to_its_end():
    # Mon 2 Mar 10:00 + 2 h, paused 07:00-13:00: 13:00 + 2 h = 15:00
    pause = [(mt(2026, 3, 2, 7), mt(2026, 3, 2, 13))]
    assert add_business_hours(mt(2026, 3, 2, 10), 2, pause) == mt(2026, 3, 2, 15)


def test_a_pause_ending_at_closing_time_moves_the_rest_to_the_next_day():
    # Mon 2 Mar 08:00 + 3 h, paused 10:00-17:00: 2 h on Monday, Tue 08:00 + 1 h
    pause = [(mt(2026, 3, 2, 10), mt(2026, 3, 2, 17))]
    assert add_business_hours(mt(2026, 3, 2, 8), 3, pause) == mt(2026, 3, 3, 9)


def test_business_time_between_counts_only_within_the_day_and_the_span():
    # Mon 2 Mar 06:00 to 12:00: only 08:00-12:00 counts; a Saturday counts nothing
    assert business_time_between(mt(2026, 3, 2, 6), mt(2026, 3, 2, 12)).total_seconds() \
        == 4 * 3600
    assert business_time_between(mt(2026, 3, 7, 9), mt(2026, 3, 7, 15)).total_seconds() == 0
    # Fri 16 Jan 16:00 to Tue 20 Jan 09:00 over MLK Day: 1 h + 1 h
    assert business_time_between(mt(2026, 1, 16, 16), mt(2026, 1, 20, 9)).total_seconds() \
        == 2 * 3600


def test_the_working_day_opens_at_eight_and_closes_at_five():
    assert add_business_hours(mt(2026, 3, 2, 6), 9) == mt(2026, 3, 2, 17)
    assert add_business_hours(mt(2026, 3, 2, 17), 1) == mt(2026, 3, 3, 9)
    assert add_business_hours(mt(2026, 3, 2, 8), 0.5) == mt(2026, 3, 2, 8, 30)


def test_zero_business_days_is_the_day_itself():
    assert add_business_days(date(2026, 3, 14), 0) == date(2026, 3, 14)


def test_deadlines_do_not_depend_on_the_servers_time_zone(server_time_zone):
    server_time_zone("Pacific/Kiritimati")  # UTC+14: Monday afternoon in Denver is Tuesday
    # Mon 2 Mar 10:00 MT (Tue 07:00 on the server's clock) + 8 h: Mon 7 h, Tue 08:00 + 1 h
    assert add_business_hours(mt(2026, 3, 2, 10), 8) == mt(2026, 3, 3, 9)
    elapsed = business_time_between(mt(2026, 3, 2, 10), mt(2026, 3, 4, 12))
    assert elapsed.total_seconds() == 20 * 3600
