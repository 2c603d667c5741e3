"""Staff keep the SLA ledger through its pages: outages typed in Mountain Time, trouble
tickets, maintenance windows and their notices sent once over real SMTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from billing.catalog.models import Service
from billing.core.clock import PROVIDER_TZ, provider_date, utcnow
from billing.sla.credits import record_outage
from billing.sla.models import MaintenanceWindow, Outage, TroubleTicket
from tests.conftest import csrf_token
from tests.factories import make_customer

OUTAGE = {"ref": "INC-100", "started_at": "2026-01-06T09:00", "ended_at": "2026-01-06T11:30",
          "cause": "provider", "platform": "voice", "service_ids": "",
          "summary": "SBC failover"}


def post(client, url, data, form_url=None):
    token = csrf_token(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **data})


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def staff(login_as):
    return login_as("staff")


def test_an_outage_typed_in_mountain_time_is_kept_in_utc(staff, session):
    response = post(staff, "/staff/outages/new", OUTAGE)
    assert response.status_code == 302
    outage = session.scalars(select(Outage)).one()
    assert outage.started_at == datetime(2026, 1, 6, 16, 0, tzinfo=UTC)  # MST is UTC-7
    summer = {**OUTAGE, "ref": "INC-101", "started_at": "2026-07-06T09:00",
              "ended_at": "2026-07-06T10:00"}
    post(staff, "/staff/outages/new", summer)
    later = session.scalars(select(Outage).filter_by(ref="INC-101")).one()
    assert later.started_at == datetime(2026, 7, 6, 15, 0, tzinfo=UTC)  # MDT is UTC-6
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "INC-100" in page and "SBC failover" in page and "Provider-managed" in page


def test_an_outage_ending_before_it_starts_is_refused_and_nothing_saved(staff, session):
    bad = {**OUTAGE, "ended_at": "2026-01-06T08:00"}
    response = post(staff, "/staff/outages/new", bad)
    assert response.status_code == 400
    assert "An outage must end after it starts." in response.get_data(as_text=True)
    assert count(session, Outage) == 0


def test_an_outage_can_name_its_services_and_unknown_ones_are_refused(staff, session, world):
    service = session.scalars(select(Service)).first()
    named = {**OUTAGE, "platform": "", "service_ids": f"{service.id}", "cause": "c"}
    assert post(staff, "/staff/outages/new", named).status_code == 302
    outage = session.scalars(select(Outage)).one()
    assert [s.id for s in outage.services] == [service.id] and outage.platform is None
    unknown = {**named, "ref": "INC-102", "service_ids": "999999"}
    response = post(staff, "/staff/outages/new", unknown)
    assert response.status_code == 400 and "999999" in response.get_data(as_text=True)
    assert count(session, Outage) == 1


def test_a_time_skipped_by_daylight_saving_is_refused(staff, session):
    gap = {**OUTAGE, "started_at": "2026-03-08T02:30", "ended_at": "2026-03-08T05:00"}
    response = post(staff, "/staff/outages/new", gap)
    assert response.status_code == 400 and "does not exist" in response.get_data(as_text=True)
    assert count(session, Outage) == 0


def test_the_outage_list_filters_by_month(staff, session):
    for ref, start in [("INC-JAN", "2026-01-06T09:00"), ("INC-FEB", "2026-02-06T09:00")]:
        post(staff, "/staff/outages/new", {**OUTAGE, "ref": ref, "started_at": start,
                                           "ended_at": start.replace("T09", "T10")})
    page = staff.get("/staff/outages?month=2026-02").get_data(as_text=True)
    assert "INC-FEB" in page and "INC-JAN" not in page
    everything = staff.get("/staff/outages").get_data(as_text=True)
    assert everything.index("INC-FEB") < everything.index("INC-JAN")  # newest first
    assert staff.get("/staff/outages?month=2026-13").status_code == 400


def test_a_ticket_for_an_unknown_account_is_refused(staff, session):
    ticket = {"account_number": "AC-9999", "opened_at": "2026-01-06T09:30",
              "summary": "No calls", "outage_ref": ""}
    response = post(staff, "/staff/tickets", ticket)
    assert response.status_code == 400
    assert "There is no account" in response.get_data(as_text=True)
    assert count(session, TroubleTicket) == 0


def test_a_ticket_is_recorded_once_and_listed_on_its_outage(staff, session, world):
    post(staff, "/staff/outages/new", OUTAGE)
    ticket = {"account_number": "AC-0100", "opened_at": "2026-01-06T09:30",
              "summary": "No inbound calls", "outage_ref": "INC-100"}
    assert post(staff, "/staff/tickets", ticket).status_code == 302
    resent = post(staff, "/staff/tickets", ticket)  # a double click
    assert count(session, TroubleTicket) == 1
    assert "already recorded" in staff.get(resent.headers["Location"]).get_data(as_text=True)
    saved = session.scalars(select(TroubleTicket)).one()
    assert saved.source == "support" and saved.opened_by_id == world.users["staff"].id
    assert saved.opened_at == datetime(2026, 1, 6, 16, 30, tzinfo=UTC)
    outage = session.scalars(select(Outage)).one()
    page = staff.get(f"/staff/outages/{outage.id}").get_data(as_text=True)
    assert saved.ref in page and "Direct Customer" in page


def test_an_existing_ticket_is_linked_to_an_outage_by_reference(staff, session, world):
    post(staff, "/staff/outages/new", OUTAGE)
    post(staff, "/staff/tickets", {"account_number": "AC-0001", "opened_at": "2026-01-06T10:00",
                                   "summary": "Calls drop", "outage_ref": ""})
    outage, ticket = session.scalars(select(Outage)).one(), session.scalars(
        select(TroubleTicket)).one()
    url = f"/staff/outages/{outage.id}"
    bad = post(staff, f"{url}/link", {"ticket_ref": "TT-NOPE"}, form_url=url)
    assert bad.status_code == 400 and "There is no trouble ticket" in bad.get_data(as_text=True)
    assert post(staff, f"{url}/link", {"ticket_ref": ticket.ref}, form_url=url).status_code == 302
    session.refresh(ticket)
    assert ticket.outage_id == outage.id


def test_standard_windows_are_generated_once(staff, session):
    first = post(staff, "/staff/maintenance/generate", {"year": "2030"},
                 form_url="/staff/maintenance?year=2030")
    page = staff.get(first.headers["Location"]).get_data(as_text=True)
    assert "12 standard windows added." in page
    assert count(session, MaintenanceWindow) == 12
    again = post(staff, "/staff/maintenance/generate", {"year": "2030"},
                 form_url="/staff/maintenance?year=2030")
    assert "already there" in staff.get(again.headers["Location"]).get_data(as_text=True)
    assert count(session, MaintenanceWindow) == 12


def test_an_extra_window_is_added_in_mountain_time(staff, session):
    form = {"starts_at": "2030-06-01T01:00", "ends_at": "2030-06-01T03:00",
            "description": "Core router upgrade"}
    assert post(staff, "/staff/maintenance?year=2030", form).status_code == 302
    window = session.scalars(select(MaintenanceWindow)).one()
    assert (window.kind, window.starts_at) == ("extra", datetime(2030, 6, 1, 7, tzinfo=UTC))
    twice = post(staff, "/staff/maintenance?year=2030", form)
    assert twice.status_code == 400 and count(session, MaintenanceWindow) == 1
    backwards = {**form, "starts_at": "2030-07-01T05:00", "ends_at": "2030-07-01T03:00"}
    response = post(staff, "/staff/maintenance?year=2030", backwards)
    assert response.status_code == 400 and "must end after it starts" in response.get_data(
        as_text=True)


def _next_years_windows(staff, session):
    year = provider_date(utcnow()).year + 1
    post(staff, "/staff/maintenance/generate", {"year": str(year)},
         form_url=f"/staff/maintenance?year={year}")
    windows = session.scalars(select(MaintenanceWindow).order_by(
        MaintenanceWindow.starts_at)).all()
    return year, windows[0]


def test_notices_go_once_to_each_customers_point_of_contact(staff, session, world, mailbox):
    make_customer(session, "AC-0300", "Shares An Inbox",
                  email_of_record=world.customers["direct"].email_of_record.upper())
    make_customer(session, "AC-0301", "Berlin Office", locale="de")
    session.commit()
    year, window = _next_years_windows(staff, session)
    url = f"/staff/maintenance/{window.id}/notices"
    response = post(staff, url, {}, form_url=f"/staff/maintenance?year={year}")
    assert response.status_code == 302
    top_level = {c.email_of_record for c in world.customers.values() if c.parent_id is None}
    expected = top_level | {"ac-0301@customer.test"}
    received = [m["To"] for m in mailbox.messages]
    assert sorted(received) == sorted(expected)  # one per address, no location
    assert world.customers["location"].email_of_record not in received
    body = _body(next(m for m in mailbox.messages if m["To"] == "ac-0001@customer.test"))
    assert "MST" in body and "Mountain Time" in body and window.description in body
    assert "Januar" in _body(next(m for m in mailbox.messages
                                  if m["To"] == "ac-0301@customer.test"))
    session.refresh(window)
    assert window.notice_sent_at is not None
    sent_at = window.notice_sent_at
    again = post(staff, url, {}, form_url=f"/staff/maintenance?year={year}")
    assert "already been sent" in staff.get(again.headers["Location"]).get_data(as_text=True)
    assert len(mailbox.messages) == len(expected)
    session.refresh(window)
    assert window.notice_sent_at == sent_at


def test_the_page_says_whether_a_notice_excuses_anything(staff, session, mailbox):
    year, window = _next_years_windows(staff, session)
    soon = MaintenanceWindow(starts_at=utcnow() + timedelta(days=3),
                             ends_at=utcnow() + timedelta(days=3, hours=2), kind="extra",
                             description="Urgent patch")
    session.add(soon)
    session.commit()
    post(staff, f"/staff/maintenance/{window.id}/notices", {},
         form_url=f"/staff/maintenance?year={year}")
    page = staff.get(f"/staff/maintenance?year={year}").get_data(as_text=True)
    assert 'data-notice="in_time"' in page and "excuses downtime" in page
    soon_year = provider_date(soon.starts_at).year
    page = staff.get(f"/staff/maintenance?year={soon_year}").get_data(as_text=True)
    assert 'data-notice="missed"' in page and "excuses nothing" in page


def test_a_window_that_has_begun_gets_no_notice(staff, session, mailbox):
    begun = MaintenanceWindow(starts_at=utcnow() - timedelta(hours=1),
                              ends_at=utcnow() + timedelta(hours=1), kind="extra",
                              description="Running now")
    session.add(begun)
    session.commit()
    post(staff, f"/staff/maintenance/{begun.id}/notices", {}, form_url="/staff/maintenance")
    session.refresh(begun)
    assert begun.notice_sent_at is None and mailbox.messages == []


def test_sending_notices_needs_the_pages_csrf_token(staff, session, mailbox):
    _, window = _next_years_windows(staff, session)
    response = staff.post(f"/staff/maintenance/{window.id}/notices", data={})
    assert response.status_code == 400 and mailbox.messages == []
    session.refresh(window)
    assert window.notice_sent_at is None


@pytest.mark.parametrize("user_key", ["channel_admin", "customer_admin"])
def test_the_ledger_is_for_staff_only(login_as, user_key):
    client = login_as(user_key)
    for url in ("/staff/outages", "/staff/tickets", "/staff/maintenance"):
        assert client.get(url).status_code == 404


def test_the_outage_detail_of_an_unknown_outage_is_404(staff, session):
    record_outage(session, ref="INC-1", started_at=datetime(2026, 1, 1, tzinfo=PROVIDER_TZ),
                  ended_at=datetime(2026, 1, 1, 1, tzinfo=PROVIDER_TZ), cause="provider",
                  summary="x", platform="voice")
    session.commit()
    assert staff.get("/staff/outages/999999").status_code == 404
    assert staff.get("/staff/outages/abc").status_code == 404


def _body(message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
