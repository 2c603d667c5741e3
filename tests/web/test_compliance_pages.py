"""The compliance pages: only the admin role finds them; forms carry CSRF tokens; breach
actions follow the register's rules; the certification CSV downloads safely."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from billing.core.clock import PROVIDER_TZ, utcnow
from billing.cpni import complaints
from billing.cpni.compliance_models import CpniBreach, CpniComplaint, MarketingExport
from tests.conftest import csrf_token, login
from tests.factories import NOW, make_user

BREACHES = "/staff/compliance/breaches"
COMPLAINTS = "/staff/compliance/complaints"
PAGES = [BREACHES, COMPLAINTS, "/staff/compliance/certification",
         "/staff/compliance/certification.csv?year=2025"]
NEW_BREACH = {"discovered_at": "2025-01-14T09:00", "determined_at": "2025-01-16T10:00",
              "account_numbers": "AC-0001, AC-0100", "description": "Bills mailed to a stranger"}


def mt(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PROVIDER_TZ).astimezone(UTC)


@pytest.fixture
def officer_user(world, session):
    user = make_user(session, "compliance@staff.test", "admin",
                     totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=NOW)
    session.commit()
    return user


@pytest.fixture
def officer(client, officer_user):
    login(client, officer_user)
    return client


def post(client, url, data, form_url):
    return client.post(url, data={"csrf_token": csrf_token(client, form_url), **data})


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def record_breach(officer, session) -> CpniBreach:
    response = post(officer, BREACHES, NEW_BREACH, BREACHES)
    assert response.status_code == 302, response.get_data(as_text=True)
    return session.scalars(select(CpniBreach)).one()


@pytest.mark.parametrize("url", PAGES)
def test_the_admin_role_opens_every_compliance_page(officer, url):
    assert officer.get(url).status_code == 200


@pytest.mark.parametrize("key", ["staff", "channel_admin", "customer_admin"])
@pytest.mark.parametrize("url", PAGES)
def test_everyone_else_is_told_the_pages_do_not_exist(login_as, key, url):
    assert login_as(key).get(url).status_code == 404


def test_other_users_cannot_post_to_the_register_either(login_as, session):
    staff = login_as("staff")
    token = csrf_token(staff, "/staff/imports")
    response = staff.post(BREACHES, data={"csrf_token": token, **NEW_BREACH})
    assert response.status_code == 404 and count(session, CpniBreach) == 0


def test_only_the_admin_sees_the_compliance_link(officer, login_as):
    assert "/staff/compliance/breaches" in officer.get("/staff/").get_data(as_text=True)
    other = login_as("staff").get("/staff/").get_data(as_text=True)
    assert "/staff/compliance/breaches" not in other


def test_a_form_without_its_csrf_token_is_refused(officer, session):
    assert officer.post(BREACHES, data=NEW_BREACH).status_code == 400
    assert officer.post(COMPLAINTS, data={"account_number": "AC-0001"}).status_code == 400
    assert count(session, CpniBreach) == 0 and count(session, CpniComplaint) == 0


def test_a_recorded_breach_shows_its_deadline_and_an_old_one_is_overdue(officer, session):
    breach = record_breach(officer, session)
    assert breach.determined_at == datetime(2025, 1, 16, 17, 0, tzinfo=UTC)  # MST, UTC-7
    assert [c.account_number for c in breach.customers] == ["AC-0001", "AC-0100"]
    listing = officer.get(BREACHES).get_data(as_text=True)
    # Thu 16 Jan 2025: Fri 17 (1), [MLK Day Mon 20], Tue 21 (2) ... Mon 27 (6), Tue 28 (7).
    assert 'class="error-message" data-state="notice_overdue"' in listing
    assert "Jan 28, 2025: overdue" in listing


def test_a_wrong_breach_is_refused_with_its_reason(officer, session):
    bad = {**NEW_BREACH, "account_numbers": "AC-0001, AC-9999"}
    response = post(officer, BREACHES, bad, BREACHES)
    assert response.status_code == 400 and "AC-9999" in response.get_data(as_text=True)
    backwards = {**NEW_BREACH, "discovered_at": "2025-01-17T09:00"}
    response = post(officer, BREACHES, backwards, BREACHES)
    assert response.status_code == 400 and "discovered first" in response.get_data(as_text=True)
    assert count(session, CpniBreach) == 0


def test_customers_are_notified_only_after_the_wait_or_an_override(officer, session):
    breach = record_breach(officer, session)
    page = f"{BREACHES}/{breach.id}"
    notice = {"notified_at": "2025-01-16T15:00", "reference": "FBI-2025-7"}
    assert post(officer, f"{page}/law-enforcement", notice, page).status_code == 302
    early = {"notified_at": "2025-01-20T10:00"}
    response = post(officer, f"{page}/customers", early, page)
    text = response.get_data(as_text=True)
    # Thu 16 not counted: Fri 17 (1), Tue 21 (2) ... Tue 28 (7): from Wed 29 Jan, 00:00 MST.
    assert response.status_code == 400 and "2025-01-29 00:00 MST" in text
    session.expire_all()
    assert session.get(CpniBreach, breach.id).customers_notified_at is None
    reason = {"reason": "Fraud in progress on these accounts"}
    assert post(officer, f"{page}/override", reason, page).status_code == 302
    assert post(officer, f"{page}/customers", early, page).status_code == 302
    detail = officer.get(page).get_data(as_text=True)
    assert "Fraud in progress on these accounts" in detail and "FBI-2025-7" in detail
    assert "Customers notified." in detail


def test_a_breach_under_retention_cannot_be_deleted(officer, session):
    breach = record_breach(officer, session)
    page = f"{BREACHES}/{breach.id}"
    response = post(officer, f"{page}/delete", {}, page)
    assert response.status_code == 400
    assert "must be kept for 2 years" in response.get_data(as_text=True)
    assert count(session, CpniBreach) == 1


def test_a_breach_past_retention_can_be_deleted(officer, officer_user, session):
    old = CpniBreach(discovered_at=mt(2020, 1, 2), determined_at=mt(2020, 1, 3),
                     description="Old", recorded_by_id=officer_user.id,
                     recorded_at=utcnow() - timedelta(days=800))
    session.add(old)
    session.commit()
    page = f"{BREACHES}/{old.id}"
    assert post(officer, f"{page}/delete", {}, page).status_code == 302
    assert count(session, CpniBreach) == 0


def test_a_complaint_is_recorded_and_closed(officer, session):
    data = {"account_number": "AC-0002", "received_at": "2025-03-04T11:00",
            "category": "online_access", "summary": "Someone else logged in to my account"}
    assert post(officer, COMPLAINTS, data, COMPLAINTS).status_code == 302
    complaint = session.scalars(select(CpniComplaint)).one()
    assert complaint.customer.account_number == "AC-0002" and complaint.status == "open"
    url = f"{COMPLAINTS}/{complaint.id}/close"
    assert post(officer, url, {"resolution": ""}, COMPLAINTS).status_code == 400
    assert post(officer, url, {"resolution": "Password reset, sessions ended"},
                COMPLAINTS).status_code == 302
    page = officer.get(COMPLAINTS).get_data(as_text=True)
    assert "Password reset, sessions ended" in page and 'data-status="closed"' in page


def test_the_certification_page_shows_the_chosen_year(officer, officer_user, world, session):
    complaints.record_complaint(session, account_number="AC-0001", received_at=mt(2025, 5, 1),
                                category="employee_access", summary="A clerk read my bill",
                                recorded_by=officer_user, now=utcnow())
    session.commit()
    page = officer.get("/staff/compliance/certification?year=2025").get_data(as_text=True)
    assert '<option value="2025" selected>' in page and "A clerk read my bill" in page
    empty = officer.get("/staff/compliance/certification?year=2024").get_data(as_text=True)
    assert "A clerk read my bill" not in empty
    assert officer.get("/staff/compliance/certification?year=1999").status_code == 400


def test_the_certification_csv_holds_the_sections_and_no_formulas(officer, officer_user,
                                                                  world, session):
    complaints.record_complaint(session, account_number="AC-0001", received_at=mt(2025, 5, 1),
                                category="other", summary="=HYPERLINK(\"http://x.test\")",
                                recorded_by=officer_user, now=utcnow())
    session.add(MarketingExport(campaign="@SUM(A1:A9)", exported_by_id=officer_user.id,
                                exported_at=mt(2025, 6, 1),
                                customers=[world.customers["channel"]]))
    session.commit()
    response = officer.get("/staff/compliance/certification.csv?year=2025")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="cpni-certification-2025.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    titles = [row[0] for row, before in zip(rows[1:], rows, strict=False) if before == []]
    assert ["Summary", *titles] == [
        "Summary", "Approvals granted", "Approvals revoked", "Disclosures to partners",
        "Disclosures to staff", "Breaches", "Complaints by category", "Complaints",
        "Officer's statement", "Actions taken against data brokers", "Marketing exports"]
    assert ["Complaints", "1"] in rows and ["Customers in marketing exports", "1"] in rows
    cells = [cell for row in rows for cell in row]
    assert "'=HYPERLINK(\"http://x.test\")" in cells and "'@SUM(A1:A9)" in cells
    assert not any(cell[:1] in "=+-@" and cell for cell in cells)


STATEMENT = {"officer_name": "Ada Quill", "officer_title": "Chief Compliance Officer",
             "signed_on": "2026-02-20",
             "procedures": "Staff state a purpose before CPNI opens; every view is logged.",
             "data_broker_actions": "Petitioned the state commission against Pretext LLC."}
CERTIFICATION = "/staff/compliance/certification?year=2025"


def sign(client, **changes):
    return post(client, "/staff/compliance/certification/statement?year=2025",
                {**STATEMENT, **changes}, CERTIFICATION)


def test_an_admin_signs_the_officer_statement_once_and_the_report_carries_it(
        officer, officer_user, session):
    before = officer.get(CERTIFICATION).get_data(as_text=True)
    assert "Not signed yet" in before and "Actions taken against data brokers" in before
    assert sign(officer).status_code == 302
    page = officer.get(CERTIFICATION).get_data(as_text=True)
    assert "I, Ada Quill, Chief Compliance Officer of" in page
    assert "Petitioned the state commission against Pretext LLC." in page
    assert "Sign the statement" not in page
    again = sign(officer, officer_name="Someone Else")
    assert again.status_code == 400 and "already signed" in again.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(officer.get(
        "/staff/compliance/certification.csv?year=2025").get_data(as_text=True))))
    assert ["Officer", "Ada Quill"] in rows and ["Signed on", "2026-02-20"] in rows
    assert ["Petitioned the state commission against Pretext LLC."] in rows
    from billing.cpni.officer import OfficerStatement
    stored = session.scalars(select(OfficerStatement)).one()
    assert (stored.year, stored.signed_by_id, stored.officer_title) == (
        2025, officer_user.id, "Chief Compliance Officer")


@pytest.mark.parametrize(("changes", "message"), [
    ({"signed_on": "2025-12-31"}, "after the year it certifies ends"),
    ({"signed_on": "2999-01-01"}, "cannot be in the future"),
    ({"data_broker_actions": ""}, "This field is required"),
])
def test_a_statement_signed_too_early_late_or_without_the_broker_section_is_refused(
        officer, session, changes, message):
    response = sign(officer, **changes)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    from billing.cpni.officer import OfficerStatement
    assert count(session, OfficerStatement) == 0


def test_billing_staff_cannot_sign(login_as, world):
    client = login_as("staff")
    assert sign(client).status_code == 404
