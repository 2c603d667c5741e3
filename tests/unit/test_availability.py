"""Platform availability per month and SLA credit tallies, computed by hand.

January 2026 has 31 x 24 x 60 = 44,640 minutes; March 2026 loses an hour to DST:
(31 x 24 - 1) x 60 = 44,580.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from billing.catalog.models import Service
from billing.core.clock import PROVIDER_TZ
from billing.sla.availability import availability_series, credit_tallies, month_report
from billing.sla.credits import record_outage
from billing.sla.models import MaintenanceWindow, SlaCreditRequest

JAN = date(2026, 1, 1)


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=PROVIDER_TZ).astimezone(UTC)


def _outage(session, ref, start, minutes, cause="provider", platform="voice", **extra):
    return record_outage(session, ref=ref, started_at=start, cause=cause, platform=platform,
                         ended_at=start + timedelta(minutes=minutes), summary="x", **extra)


def _platforms(session, month=JAN):
    return {p.platform: p for p in month_report(session, month).platforms}


def test_a_month_without_outages_is_fully_available(session):
    voice = _platforms(session)["voice"]
    assert voice.minutes_in_month == 44_640 and voice.outage_minutes == 0
    assert voice.availability_percent == Decimal("100.0000") and voice.meets_target


def test_a_one_hour_provider_outage_misses_the_target(session):
    _outage(session, "INC-1", at(1, 6, 9), 60)
    platforms = _platforms(session)
    # (44,640 - 60) / 44,640 = 99.865591...% -> 99.8656
    assert platforms["voice"].availability_percent == Decimal("99.8656")
    assert not platforms["voice"].meets_target
    assert platforms["messaging"].availability_percent == Decimal("100.0000")


def test_twenty_minutes_still_meets_the_target(session):
    _outage(session, "INC-1", at(1, 6, 9), 20)
    # (44,640 - 20) / 44,640 = 99.955197...% >= 99.95
    voice = _platforms(session)["voice"]
    assert voice.availability_percent == Decimal("99.9552") and voice.meets_target


def test_overlaps_count_once_and_excluded_or_local_outages_not_at_all(session, world):
    _outage(session, "INC-1", at(1, 6, 9), 60)  # 09:00-10:00
    _outage(session, "INC-2", at(1, 6, 9, 30), 60)  # 09:30-10:30: 30 more minutes
    _outage(session, "INC-3", at(1, 8, 9), 600, cause="c")  # a tier-1 carrier's
    _outage(session, "INC-4", at(1, 9, 9), 45, platform="messaging")
    service = session.scalars(select(Service)).first()
    _outage(session, "INC-5", at(1, 10, 9), 300, platform=None, services=[service])
    platforms = _platforms(session)
    assert platforms["voice"].outage_minutes == 90  # 60 + 30
    assert platforms["messaging"].outage_minutes == 45


def test_an_outage_across_months_counts_its_part_in_each(session):
    _outage(session, "INC-1", at(1, 31, 23), 120)  # 31 Jan 23:00 to 1 Feb 01:00
    assert _platforms(session, JAN)["voice"].outage_minutes == 60
    assert _platforms(session, date(2026, 2, 1))["voice"].outage_minutes == 60


def test_only_noticed_maintenance_is_cut_out(session):
    window = MaintenanceWindow(starts_at=at(1, 16, 22), ends_at=at(1, 17, 4), kind="standard",
                               description="Standard", notice_sent_at=at(1, 8, 9))
    session.add(window)
    _outage(session, "INC-1", at(1, 16, 21), 120)  # 21:00-23:00, one hour in the window
    assert _platforms(session)["voice"].outage_minutes == 60
    window.notice_sent_at = at(1, 10, 9)  # six days ahead: too late, excuses nothing
    session.flush()
    assert _platforms(session)["voice"].outage_minutes == 120


def test_a_dst_month_is_an_hour_short(session):
    _outage(session, "INC-1", at(3, 10, 9), 60)
    voice = _platforms(session, date(2026, 3, 1))["voice"]
    # (44,580 - 60) / 44,580 = 99.865410...% -> 99.8654
    assert voice.minutes_in_month == 44_580
    assert voice.availability_percent == Decimal("99.8654")


def test_the_series_covers_twelve_months_oldest_first(session):
    _outage(session, "INC-1", at(1, 6, 9), 60)
    series = availability_series(session, "voice", date(2026, 6, 15))
    assert [p.month for p in series][:2] == [date(2025, 7, 1), date(2025, 8, 1)]
    assert len(series) == 12 and series[-1].month == date(2026, 6, 1)
    assert [p.outage_minutes for p in series if p.outage_minutes] == [60]
    assert series[6].month == JAN and series[6].outage_minutes == 60


def _request(session, service, status, credit_minor, currency="USD", month=JAN):
    session.add(SlaCreditRequest(customer_id=service.customer_id, service_id=service.id,
                                 month=month, status=status, currency=currency, hours=1,
                                 credit_minor=credit_minor, calculation={}))


@pytest.fixture
def services(session, world):
    return session.scalars(select(Service).order_by(Service.id)).all()


def test_credits_are_counted_and_summed_per_currency(session, services):
    _request(session, services[0], "approved", 523)
    _request(session, services[1], "approved", 174)
    _request(session, services[2], "pending", 1_000)
    _request(session, services[3], "rejected", 348)
    _request(session, services[4], "approved", 250, currency="CAD")
    _request(session, services[5], "approved", 9_999, month=date(2026, 2, 1))  # February's
    session.flush()
    tallies = {t.currency: t for t in credit_tallies(session, JAN)}
    usd = tallies["USD"]
    # requested: 4 for 5.23 + 1.74 + 10.00 + 3.48 = 20.45; granted: 2 for 5.23 + 1.74 = 6.97
    assert (usd.requested_count, usd.requested_minor) == (4, 523 + 174 + 1_000 + 348)
    assert (usd.granted_count, usd.granted_minor) == (2, 523 + 174)
    cad = tallies["CAD"]
    assert (cad.requested_count, cad.requested_minor, cad.granted_count,
            cad.granted_minor) == (1, 250, 1, 250)


def test_a_month_without_requests_has_no_tallies(session, services):
    assert credit_tallies(session, JAN) == []
