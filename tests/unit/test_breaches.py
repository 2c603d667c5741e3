"""The breach register's deadlines, hand-counted on the calendar, and the order of notices:
law enforcement first, customers only after 7 full business days unless overridden."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from billing.core.clock import PROVIDER_TZ
from billing.core.errors import InvalidInput
from billing.cpni import breaches
from billing.cpni.compliance_models import CpniBreach
from tests.factories import NOW, make_customer, make_user


def mt(year, month, day, hour=12, minute=0) -> datetime:
    """An instant given on the provider's wall clock (Mountain Time), as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=PROVIDER_TZ).astimezone(UTC)


@pytest.mark.parametrize("determined, due", [
    # Thu 15 Jan 2026, Martin Luther King Day on Mon 19 Jan: Fri 16 (1), [Sat, Sun,
    # holiday Mon 19], Tue 20 (2), Wed 21 (3), Thu 22 (4), Fri 23 (5), Mon 26 (6), Tue 27 (7).
    (mt(2026, 1, 15), date(2026, 1, 27)),
    # Tue 24 Nov 2026, Thanksgiving Thu 26 (the Friday after is a working day):
    # Wed 25 (1), [Thu 26], Fri 27 (2), Mon 30 (3), Tue 1 Dec (4), Wed 2 (5), Thu 3 (6), Fri 4 (7).
    (mt(2026, 11, 24), date(2026, 12, 4)),
    # Wed 1 Jul 2026, 4 July is a Saturday, observed on Fri 3 July: Thu 2 (1), [Fri 3,
    # Sat, Sun], Mon 6 (2), Tue 7 (3), Wed 8 (4), Thu 9 (5), Fri 10 (6), Mon 13 (7).
    (mt(2026, 7, 1), date(2026, 7, 13)),
    # Wed 22 Dec 2027, Christmas (Sat) observed Fri 24 Dec, New Year 2028 (Sat) observed
    # Fri 31 Dec: Thu 23 (1), [Fri 24, Sat, Sun], Mon 27 (2), Tue 28 (3), Wed 29 (4),
    # Thu 30 (5), [Fri 31, Sat 1 Jan, Sun 2], Mon 3 Jan (6), Tue 4 Jan 2028 (7).
    (mt(2027, 12, 22), date(2028, 1, 4)),
    # Determined on a Saturday, which is not counted either: Mon 9 Mar 2026 (1) ... Fri 13
    # (5), Mon 16 (6), Tue 17 (7).
    (mt(2026, 3, 7), date(2026, 3, 17)),
    # Thu 15 Jan 2026 at 22:30 Mountain Time is already Fri 16 in UTC; the provider's date
    # (the 15th) counts, so the due day is Tue 27 as in the first case, not Wed 28.
    (mt(2026, 1, 15, 22, 30), date(2026, 1, 27)),
])
def test_law_enforcement_notice_is_due_on_the_seventh_business_day(determined, due):
    assert breaches.notice_due_on(determined) == due


@pytest.mark.parametrize("notified, first_moment", [
    # Notified Mon 12 Jan 2026 (not counted): Tue 13 (1), Wed 14 (2), Thu 15 (3), Fri 16
    # (4), [Mon 19 MLK Day], Tue 20 (5), Wed 21 (6), Thu 22 (7): from Fri 23 at 00:00 MST.
    (mt(2026, 1, 12, 10), datetime(2026, 1, 23, 7, 0, tzinfo=UTC)),
    # Notified Fri 6 Mar 2026: Mon 9 (1) ... Fri 13 (5), Mon 16 (6), Tue 17 (7): from
    # Wed 18 at 00:00, daylight time since the 8th (UTC-6), so 06:00 UTC.
    (mt(2026, 3, 6, 16), datetime(2026, 3, 18, 6, 0, tzinfo=UTC)),
    # Notified Fri 20 Nov 2026: Mon 23 (1), Tue 24 (2), Wed 25 (3), [Thanksgiving Thu 26],
    # Fri 27 (4), Mon 30 (5), Tue 1 Dec (6), Wed 2 Dec (7): from Thu 3 Dec, 00:00 MST.
    (mt(2026, 11, 20, 9), datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
])
def test_customers_wait_seven_full_business_days_after_the_police(notified, first_moment):
    assert breaches.customers_may_be_told_from(notified) == first_moment


@pytest.fixture
def officer(session):
    return make_user(session, "compliance@staff.test", "admin",
                     totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=NOW)


@pytest.fixture
def accounts(session):
    return [make_customer(session, "AC-0901", "Breached One"),
            make_customer(session, "AC-0902", "Breached Two")]


DETERMINED, RECORDED = mt(2026, 1, 15), mt(2026, 1, 16)  # a Thursday, and the day after


def record(session, officer, *, determined=DETERMINED, now=RECORDED,
           numbers=("AC-0901", "AC-0902"), discovered=None):
    return breaches.record_breach(
        session, discovered_at=discovered or mt(2026, 1, 14), determined_at=determined,
        description="Call detail mailed to the wrong address", account_numbers=list(numbers),
        recorded_by=officer, now=now)


def test_a_recorded_breach_keeps_its_times_and_accounts(session, officer, accounts):
    breach = record(session, officer)
    assert [c.account_number for c in breach.customers] == ["AC-0901", "AC-0902"]
    assert breach.recorded_at == mt(2026, 1, 16) and breach.recorded_by_id == officer.id


@pytest.mark.parametrize("discovered, determined, now", [
    (mt(2026, 1, 15, 13), mt(2026, 1, 15, 12), mt(2026, 1, 16)),  # determined before found
    (mt(2026, 1, 14), mt(2026, 1, 17), mt(2026, 1, 16)),  # determined in the future
])
def test_breach_times_out_of_order_are_refused(session, officer, accounts, discovered,
                                                determined, now):
    with pytest.raises(InvalidInput, match="discovered first"):
        record(session, officer, discovered=discovered, determined=determined, now=now)
    assert session.scalar(select(func.count()).select_from(CpniBreach)) == 0


def test_unknown_or_missing_accounts_are_refused(session, officer, accounts):
    with pytest.raises(InvalidInput, match="AC-9999"):
        record(session, officer, numbers=("AC-0901", "AC-9999"))
    with pytest.raises(InvalidInput, match="at least one"):
        record(session, officer, numbers=(" ",))
    assert session.scalar(select(func.count()).select_from(CpniBreach)) == 0


def test_the_notice_becomes_overdue_when_the_due_day_ends(session, officer, accounts):
    breach = record(session, officer)  # due Tue 27 Jan 2026, ends 28 Jan 00:00 MST
    last_minute = breaches.breach_status(breach, mt(2026, 1, 27, 23, 59))
    assert (last_minute.state, last_minute.notice_late) == ("notice_due", False)
    assert last_minute.notice_due_on == date(2026, 1, 27)
    late = breaches.breach_status(breach, datetime(2026, 1, 28, 7, 0, tzinfo=UTC))
    assert (late.state, late.notice_late) == ("notice_overdue", True)


def test_a_late_notice_stays_marked_late(session, officer, accounts):
    breach = record(session, officer)
    breaches.record_law_enforcement_notice(session, breach.id, notified_at=mt(2026, 1, 28, 9),
                                           reference="FBI-1", now=mt(2026, 1, 28, 10))
    status = breaches.breach_status(breach, mt(2026, 1, 29))
    assert (status.state, status.notice_late) == ("waiting", True)


def test_customers_cannot_be_told_before_the_wait_ends(session, officer, accounts):
    breach = record(session, officer)
    breaches.record_law_enforcement_notice(session, breach.id, notified_at=mt(2026, 1, 16, 10),
                                           reference="USSS-77", now=mt(2026, 1, 16, 11))
    # Fri 16 not counted: Tue 20 (1, Mon 19 is MLK Day) ... Mon 26 (5), Tue 27 (6),
    # Wed 28 (7): customers may be told from Thu 29 Jan, 00:00 MST.
    status = breaches.breach_status(breach, mt(2026, 1, 20))
    assert status.state == "waiting"
    assert status.customers_from == mt(2026, 1, 29, 0, 0)
    with pytest.raises(InvalidInput, match="2026-01-29 00:00 MST"):
        breaches.record_customer_notice(session, breach.id, notified_at=mt(2026, 1, 28, 23, 59),
                                        now=mt(2026, 1, 29, 9))
    assert breach.customers_notified_at is None
    breaches.record_customer_notice(session, breach.id, notified_at=mt(2026, 1, 29, 0, 0),
                                    now=mt(2026, 1, 29, 9))
    assert breaches.breach_status(breach, mt(2026, 1, 30)).state == "customers_told"


def test_an_override_with_a_reason_lets_customers_be_told_at_once(session, officer, accounts):
    breach = record(session, officer)
    breaches.record_law_enforcement_notice(session, breach.id, notified_at=mt(2026, 1, 16, 10),
                                           reference="USSS-77", now=mt(2026, 1, 16, 11))
    with pytest.raises(InvalidInput, match="reason"):
        breaches.record_override(session, breach.id, reason="  ", by=officer,
                                 now=mt(2026, 1, 16, 12))
    breaches.record_override(session, breach.id, reason="Accounts are being drained now",
                             by=officer, now=mt(2026, 1, 16, 12))
    assert breaches.breach_status(breach, mt(2026, 1, 16, 13)).state == "customers_may_be_told"
    breaches.record_customer_notice(session, breach.id, notified_at=mt(2026, 1, 16, 14),
                                    now=mt(2026, 1, 16, 15))
    assert (breach.override_by_id, breach.override_at) == (officer.id, mt(2026, 1, 16, 12))
    assert breach.customers_notified_at == mt(2026, 1, 16, 14)


def test_customers_are_never_told_before_law_enforcement(session, officer, accounts):
    breach = record(session, officer)
    with pytest.raises(InvalidInput, match="law-enforcement notice first"):
        breaches.record_override(session, breach.id, reason="Urgent", by=officer,
                                 now=mt(2026, 1, 16, 12))
    with pytest.raises(InvalidInput, match="law-enforcement notice first"):
        breaches.record_customer_notice(session, breach.id, notified_at=mt(2026, 1, 16, 12),
                                        now=mt(2026, 1, 16, 13))
    assert breach.override_at is None and breach.customers_notified_at is None


def test_the_law_enforcement_notice_is_recorded_once_and_in_order(session, officer, accounts):
    breach = record(session, officer)
    with pytest.raises(InvalidInput, match="after the breach was determined"):
        breaches.record_law_enforcement_notice(session, breach.id, notified_at=mt(2026, 1, 14),
                                               reference="FBI-1", now=mt(2026, 1, 16))
    with pytest.raises(InvalidInput, match="reference"):
        breaches.record_law_enforcement_notice(session, breach.id, notified_at=mt(2026, 1, 16),
                                               reference="", now=mt(2026, 1, 16, 13))
    breaches.record_law_enforcement_notice(session, breach.id, notified_at=mt(2026, 1, 16),
                                           reference="FBI-1", now=mt(2026, 1, 16, 13))
    with pytest.raises(InvalidInput, match="already notified"):
        breaches.record_law_enforcement_notice(session, breach.id, notified_at=mt(2026, 1, 20),
                                               reference="FBI-2", now=mt(2026, 1, 21))
    assert breach.law_enforcement_reference == "FBI-1"
