"""The certification figures of a small year built by hand, with events just inside and
just outside the year on the provider's clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from billing.core.clock import PROVIDER_TZ
from billing.cpni import approvals as cpni
from billing.cpni import breaches, complaints
from billing.cpni.certification import certification_report, year_bounds
from billing.cpni.compliance_models import MarketingExport
from billing.cpni.models import CpniApproval
from billing.parties.partners import create_partner
from tests.factories import make_customer, make_user
from tests.querycount import counted


def mt(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PROVIDER_TZ).astimezone(UTC)


NOW = mt(2026, 2, 1)
INSIDE_LAST = mt(2025, 12, 31, 23, 30)  # already 1 January 2026 in UTC, still 2025 here
OUTSIDE_FIRST = mt(2026, 1, 1, 0, 30)


class Year:
    """Who and what the hand-built year 2025 is made of."""

    def __init__(self, session):
        self.alpha = create_partner(session, code="AL", name="Alpha Partners", kind="channel")
        self.beta = create_partner(session, code="BE", name="Beta Partners", kind="channel")
        self.c1, self.c2, self.c3 = (make_customer(session, f"AC-07{n}", f"Customer {n}")
                                     for n in (1, 2, 3))
        self.officer = make_user(session, "officer@staff.test", "admin")
        self.clerk = make_user(session, "clerk@staff.test", "billing_specialist")
        self.alpha_user = make_user(session, "a@alpha.test", "partner_user", partner=self.alpha)
        self.beta_user = make_user(session, "b@beta.test", "partner_user", partner=self.beta)
        self.customer_admin = make_user(session, "boss@c3.test", "customer_admin",
                                        customer=self.c3)


def approval(session, customer, partner, approved_at, **more):
    session.add(CpniApproval(customer=customer, partner=partner, scope="billing_usage",
                             method="online", approved_by_name="Pat Admin",
                             approved_at=approved_at, **more))


def disclose(session, user, customers, surface, when, purpose=None):
    purpose = purpose or ("partner_access" if user.partner_id else "billing")
    cpni.record_disclosures(session, user=user, customer_ids=[c.id for c in customers],
                            surface=surface, purposes={c.id: purpose for c in customers},
                            subject="test", now=when)


def export(session, y, when, customers, partner=None):
    session.add(MarketingExport(campaign=f"Campaign {when:%m%d}", partner=partner,
                                exported_by_id=y.officer.id, exported_at=when,
                                customers=customers))


def breach(session, y, discovered, determined, notified=None, told=None):
    made = breaches.record_breach(session, discovered_at=discovered, determined_at=determined,
                                  description="Test breach", account_numbers=["AC-071"],
                                  recorded_by=y.officer, now=determined)
    if notified:
        breaches.record_law_enforcement_notice(session, made.id, notified_at=notified,
                                               reference="FBI-9", now=notified)
    if told:
        breaches.record_override(session, made.id, reason="Urgent", by=y.officer, now=told)
        breaches.record_customer_notice(session, made.id, notified_at=told, now=told)
    return made


def complaint(session, y, when, category):
    complaints.record_complaint(session, account_number="AC-072", received_at=when,
                                category=category, summary="Saw my bill elsewhere",
                                recorded_by=y.officer, now=NOW)


@pytest.fixture
def year(session):
    y = Year(session)
    approval(session, y.c1, y.alpha, mt(2025, 3, 1))
    approval(session, y.c2, y.alpha, INSIDE_LAST)
    approval(session, y.c2, y.beta, OUTSIDE_FIRST)
    approval(session, y.c3, y.beta, mt(2024, 6, 1), revoked_at=mt(2025, 5, 5),
             revoked_by_id=y.customer_admin.id)
    disclose(session, y.alpha_user, [y.c1, y.c2], "page", mt(2025, 4, 1))
    disclose(session, y.alpha_user, [y.c1], "api", INSIDE_LAST)
    disclose(session, y.beta_user, [y.c3], "pdf", mt(2025, 2, 1))
    disclose(session, y.beta_user, [y.c3], "pdf", OUTSIDE_FIRST)
    disclose(session, y.clerk, [y.c1, y.c2], "page", mt(2025, 8, 1))
    disclose(session, y.clerk, [y.c3], "page", mt(2025, 8, 2), purpose="support")
    disclose(session, y.clerk, [y.c3], "page", mt(2024, 12, 31))
    breach(session, y, mt(2025, 6, 9), mt(2025, 6, 10), mt(2025, 6, 12), mt(2025, 6, 13))
    breach(session, y, mt(2024, 12, 18), mt(2024, 12, 20), mt(2025, 1, 2))  # crosses years
    breach(session, y, mt(2023, 3, 1), mt(2023, 3, 2), mt(2023, 3, 3))  # all in 2023
    complaint(session, y, mt(2025, 1, 10), "employee_access")
    complaint(session, y, mt(2025, 9, 10), "employee_access")
    complaint(session, y, INSIDE_LAST, "marketing_use")
    complaint(session, y, mt(2024, 11, 1), "online_access")
    export(session, y, mt(2025, 4, 20), [y.c1, y.c2])
    export(session, y, mt(2025, 10, 20), [y.c2, y.c3], partner=y.alpha)
    export(session, y, mt(2024, 4, 20), [y.c1])
    session.flush()
    return y


def test_the_year_runs_on_mountain_time():
    assert year_bounds(2025) == (datetime(2025, 1, 1, 7, tzinfo=UTC),
                                 datetime(2026, 1, 1, 7, tzinfo=UTC))


def test_approvals_granted_and_revoked_in_the_year(session, year):
    report = certification_report(session, 2025, NOW)
    assert [(a.account_number, a.partner_name, a.by) for a in report.granted] == [
        ("AC-071", "Alpha Partners", "Pat Admin"), ("AC-072", "Alpha Partners", "Pat Admin")]
    assert [(a.account_number, a.partner_name, a.by, a.at) for a in report.revoked] == [
        ("AC-073", "Beta Partners", "Boss", mt(2025, 5, 5))]


def test_disclosures_are_counted_per_partner_and_surface_and_staff_by_purpose(session, year):
    report = certification_report(session, 2025, NOW)
    # Alpha: 2 customers on a page in April, 1 over the API on 31 December (local time).
    # Beta: its 2026 PDF is left out. Staff: 2 for billing, 1 for support, not the 2024 one.
    assert report.partner_disclosures == [("Alpha Partners", "api", 1),
                                          ("Alpha Partners", "page", 2),
                                          ("Beta Partners", "pdf", 1)]
    assert report.staff_disclosures == {"billing": 2, "support": 1}
    assert (report.partner_disclosure_total, report.staff_disclosure_total) == (4, 3)


def test_breaches_with_a_step_in_the_year_and_their_timeline(session, year):
    report = certification_report(session, 2025, NOW)
    timeline = [(entry.breach.determined_at, entry.breach.law_enforcement_notified_at,
                 entry.breach.customers_notified_at, entry.override_by, entry.customer_count)
                for entry in report.breaches]
    assert timeline == [
        (mt(2024, 12, 20), mt(2025, 1, 2), None, None, 1),
        (mt(2025, 6, 10), mt(2025, 6, 12), mt(2025, 6, 13), "Officer", 1),
    ]
    # Fri 20 Dec 2024: Mon 23 (1), Tue 24 (2), [Christmas], Thu 26 (3), Fri 27 (4),
    # Mon 30 (5), Tue 31 (6), [New Year], Thu 2 Jan (7): notified on the last day, in time.
    first = report.breaches[0].status
    assert first.notice_due_on.isoformat() == "2025-01-02" and not first.notice_late


def test_complaints_by_category_and_exports(session, year):
    report = certification_report(session, 2025, NOW)
    assert report.complaints_by_category == {"employee_access": 2, "unauthorized_disclosure": 0,
                                             "online_access": 0, "marketing_use": 1, "other": 0}
    assert [c.complaint.received_at for c in report.complaints] == [
        mt(2025, 1, 10), mt(2025, 9, 10), INSIDE_LAST]
    assert [(e.partner_name, e.by, e.customer_count) for e in report.exports] == [
        (None, "Officer", 2), ("Alpha Partners", "Officer", 2)]
    assert report.exported_customers == 3  # customer 2 was in both campaigns


def test_the_report_takes_the_same_queries_however_much_happened(session, year, db):
    with counted(db.engine) as before:
        certification_report(session, 2025, NOW)
    for day in range(1, 28):
        disclose(session, year.alpha_user, [year.c1, year.c2, year.c3], "page", mt(2025, 7, day))
        complaint(session, year, mt(2025, 7, day), "other")
        export(session, year, mt(2025, 7, day), [year.c1, year.c3])
    session.flush()
    session.expire_all()
    with counted(db.engine) as after:
        grown = certification_report(session, 2025, NOW)
    assert len(after) == len(before)
    assert grown.complaints_by_category["other"] == 27
    assert ("Alpha Partners", "page", 2 + 81) in grown.partner_disclosures
