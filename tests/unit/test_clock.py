from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import pytest

from billing.core.clock import (
    parse_instant,
    parse_period,
    period_containing,
    period_ending_in,
    provider_date,
    recent_periods,
    require_aware,
    utcnow,
)
from billing.core.errors import InvalidInput


def test_period_runs_from_cycle_day_to_the_day_before_next_month():
    period = period_ending_in(2026, 3)
    assert (period.start, period.end) == (date(2026, 2, 26), date(2026, 3, 25))
    assert period.days == 28  # 26 Feb .. 25 Mar 2026: 3 + 25
    assert period.key == "2026-03"


def test_period_across_the_year_end():
    period = period_ending_in(2026, 1)
    assert (period.start, period.end) == (date(2025, 12, 26), date(2026, 1, 25))


@pytest.mark.parametrize("day, key", [
    (date(2026, 3, 25), "2026-03"), (date(2026, 3, 26), "2026-04"), (date(2026, 12, 31), "2027-01"),
])
def test_period_containing_a_day(day, key):
    assert period_containing(day).key == key


def test_cycle_day_past_month_end_uses_the_last_day():
    period = period_ending_in(2026, 3, cycle_day=31)
    assert (period.start, period.end) == (date(2026, 2, 28), date(2026, 3, 30))


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "26-03", "2026-3", "", "x" * 200])
def test_malformed_periods_are_refused(text):
    with pytest.raises(InvalidInput):
        parse_period(text)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        require_aware(datetime(2026, 1, 1, 12))


def test_provider_date_is_mountain_time():
    # 03:00 UTC on 1 Nov 2026 is still 31 Oct in Denver (UTC-6 in daylight time)
    assert provider_date(datetime(2026, 11, 1, 3, tzinfo=UTC)) == date(2026, 10, 31)
    # after DST ends (UTC-7), 06:30 UTC on 2 Nov is 23:30 on 1 Nov
    assert provider_date(datetime(2026, 11, 2, 6, 30, tzinfo=UTC)) == date(2026, 11, 1)
    plus_two = timezone(timedelta(hours=2))
    assert require_aware(datetime(2026, 1, 1, 12, tzinfo=plus_two)).hour == 10


@pytest.mark.parametrize("text, start, end", [
    ("2026-03", date(2026, 2, 26), date(2026, 3, 25)),
    ("2026-01", date(2025, 12, 26), date(2026, 1, 25)),
    ("2026-12", date(2026, 11, 26), date(2026, 12, 25)),
    ("2000-01", date(1999, 12, 26), date(2000, 1, 25)),
    ("2100-12", date(2100, 11, 26), date(2100, 12, 25)),
])
def test_a_period_key_names_the_month_the_period_ends_in(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end, period.key) == (start, end, text)


@pytest.mark.parametrize("text", ["1999-12", "2101-01", None, "2026-03x", " 2026-03"])
def test_periods_outside_the_supported_years_or_badly_typed_are_refused(text):
    with pytest.raises(InvalidInput) as refused:
        parse_period(text)
    assert str(refused.value) == f"{text!r} is not a period; use YYYY-MM."


def test_a_period_key_follows_the_accounts_cycle_day():
    period = parse_period("2026-03", cycle_day=1)
    assert (period.start, period.end) == (date(2026, 2, 1), date(2026, 2, 28))
    # cycle day 1: the period "ending in" March ends on the last day of February


def test_the_period_containing_a_day_follows_the_cycle_day():
    period = period_containing(date(2026, 3, 10), cycle_day=5)
    assert (period.start, period.end) == (date(2026, 3, 5), date(2026, 4, 4))
    assert period_containing(date(2026, 3, 4), cycle_day=5).key == "2026-03"


def test_recent_periods_are_newest_first():
    keys = [p.key for p in recent_periods(date(2026, 3, 26), 3)]
    assert keys == ["2026-04", "2026-03", "2026-02"]
    fifth = recent_periods(date(2026, 1, 10), 2, cycle_day=5)
    assert [(p.start, p.end) for p in fifth] == [(date(2026, 1, 5), date(2026, 2, 4)),
                                                 (date(2025, 12, 5), date(2026, 1, 4))]


def test_a_period_has_begun_on_its_first_day():
    period = period_ending_in(2026, 3)
    assert not period.has_begun(date(2026, 2, 25))
    assert period.has_begun(date(2026, 2, 26)) and period.has_begun(date(2026, 4, 1))


def test_a_naive_datetime_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="^naive datetime refused: instants are stored in UTC$"):
        provider_date(datetime(2026, 1, 1, 12))


def test_now_is_an_aware_utc_instant():
    assert utcnow().utcoffset() == timedelta(0)


class _NoOffset(tzinfo):
    """A zone that knows no offset: Python counts such a datetime as naive."""

    def utcoffset(self, moment):
        return None


def test_a_datetime_whose_zone_gives_no_offset_is_refused_as_naive():
    with pytest.raises(ValueError):
        require_aware(datetime(2026, 1, 1, 12, tzinfo=_NoOffset()))


def test_instants_come_back_in_utc_whatever_the_servers_zone(server_time_zone):
    server_time_zone("Pacific/Honolulu")
    plus_two = timezone(timedelta(hours=2))
    moment = require_aware(datetime(2026, 1, 1, 12, tzinfo=plus_two))
    assert (moment.hour, moment.utcoffset()) == (10, timedelta(0))
    assert provider_date(datetime(2026, 11, 1, 3, tzinfo=UTC)) == date(2026, 10, 31)


def test_an_instant_with_an_offset_is_read_as_utc():
    assert parse_instant("2026-03-01T14:05:00-07:00") == datetime(2026, 3, 1, 21, 5, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-03-01T14:05:00", "yesterday", "", None, 20260301,
                                  "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
                                  "1999-12-31T23:59:59+00:00"])
def test_instants_without_an_offset_or_beyond_the_range_are_none(text):
    assert parse_instant(text) is None
