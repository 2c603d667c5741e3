"""SLA credit requests through the pages: customer and partner request, staff decide."""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from flask import template_rendered
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from billing.catalog.models import Product, Service
from billing.core.clock import PROVIDER_TZ, utcnow
from billing.cpni.models import CpniDisclosure
from billing.invoicing.models import CreditNote
from billing.sla.credits import open_ticket, preview_credit, record_outage, request_credit
from billing.sla.models import Outage, SlaCreditRequest, TroubleTicket
from portal.paging import Page
from portal.sla.pages import ended_months
from tests.conftest import csrf_token, login
from tests.factories import CPNI_MARKERS, approve, make_user

SERVICE_MARKER = CPNI_MARKERS[0]  # the world's service description
LAST_MONTH = ended_months(utcnow())[0]
THIS_MONTH = f"{utcnow().astimezone(PROVIDER_TZ):%Y-%m}"


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def dollars(minor: int) -> str:
    return f"${Decimal(minor) / 100:,.2f}"


@pytest.fixture
def seats(session, world):
    """Voice seats of the channel customer (3 x 18.00), guaranteed, and last month a
    150-minute platform outage it reported within the hour."""
    session.scalars(select(Product).filter_by(code="VOICE-SEAT")).one().sla_family = "voice"
    customer = world.customers["channel"]
    service = session.scalars(select(Service).filter_by(customer_id=customer.id)).one()
    start = datetime.combine(LAST_MONTH.replace(day=6), time(9), PROVIDER_TZ)
    outage = record_outage(session, ref="INC-WEB-1", started_at=start,
                           ended_at=start + timedelta(minutes=150), cause="provider",
                           summary="SBC failover", platform="voice")
    open_ticket(session, customer=customer, opened_at=start + timedelta(hours=1),
                summary="No inbound calls", source="support", outage=outage)
    session.commit()
    return service


def expected_credit(session, service) -> int:
    return preview_credit(session, service, LAST_MONTH, utcnow()).credit_minor


def form(client, page, **values):
    return {"csrf_token": csrf_token(client, page), **values}


def choice(service, month=None):
    return {"service_id": service.id, "month": f"{LAST_MONTH:%Y-%m}" if month is None else month}


def a_request(session, service, world):
    made = request_credit(session, service=service, month=LAST_MONTH,
                          user=world.users["customer_admin"], now=utcnow())
    session.commit()
    return made


def staff_client(app, session, role="billing_specialist"):
    user = make_user(session, f"{role}@staff.test", role,
                     totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=utcnow())
    session.commit()
    client = app.test_client()
    login(client, user)
    return client


def state_purpose(client, credit_request):
    page = f"/staff/credit-requests/{credit_request.id}"
    client.post(f"/staff/customers/{credit_request.customer_id}/cpni",
                data=form(client, page, purpose="billing", next=page))


def test_customer_sees_the_calculation_then_confirms_one_request(login_as, session, seats):
    client = login_as("customer_admin")
    page = client.get("/customer/sla").get_data(as_text=True)
    assert SERVICE_MARKER in page and f"{LAST_MONTH:%Y-%m}" in page
    preview = client.post("/customer/sla/preview",
                          data=form(client, "/customer/sla", **choice(seats)))
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "INC-WEB-1" in text and "Counted" in text and "Confirm the request" in text
    assert dollars(expected_credit(session, seats)) in text and "$54.00" in text  # the cap
    assert count(session, SlaCreditRequest) == 0
    confirm = form(client, "/customer/sla", **choice(seats))
    response = client.post("/customer/sla/confirm", data=confirm, follow_redirects=True)
    assert "has been filed" in response.get_data(as_text=True)
    assert "Pending" in response.get_data(as_text=True)
    assert count(session, SlaCreditRequest) == 1
    again = client.post("/customer/sla/confirm", data=confirm)
    assert again.status_code == 400
    assert "already been requested" in again.get_data(as_text=True)
    assert count(session, SlaCreditRequest) == 1


def test_outages_without_a_timely_ticket_are_shown_with_the_reason(login_as, session, seats):
    start = datetime.combine(LAST_MONTH.replace(day=12), time(9), PROVIDER_TZ)
    record_outage(session, ref="INC-WEB-2", started_at=start,
                  ended_at=start + timedelta(minutes=30), cause="e", summary="DNS",
                  platform="voice")
    session.commit()
    client = login_as("customer_admin")
    text = client.post("/customer/sla/preview", data=form(
        client, "/customer/sla", **choice(seats))).get_data(as_text=True)
    assert "Not counted: Account codes" in text
    assert "(e)" not in text


def test_a_month_not_yet_ended_is_refused(login_as, session, seats):
    client = login_as("customer_admin")
    for step in ("preview", "confirm"):
        response = client.post(f"/customer/sla/{step}", data=form(
            client, "/customer/sla", **choice(seats, THIS_MONTH)))
        assert response.status_code == 400
        assert "once the month has ended" in response.get_data(as_text=True)
    assert count(session, SlaCreditRequest) == 0


@pytest.mark.parametrize("month", ["2026-13", "last", ""])
def test_a_malformed_month_is_refused(login_as, session, seats, month):
    client = login_as("customer_admin")
    response = client.post("/customer/sla/preview", data=form(
        client, "/customer/sla", **choice(seats, month)))
    assert response.status_code == 400
    assert count(session, SlaCreditRequest) == 0


def test_another_customers_service_is_not_found(login_as, session, world, seats):
    other = session.scalars(select(Service).filter_by(
        customer_id=world.customers["other"].id)).one()
    client = login_as("customer_admin")
    for step in ("preview", "confirm"):
        response = client.post(f"/customer/sla/{step}",
                               data=form(client, "/customer/sla", **choice(other)))
        assert response.status_code == 404
    assert count(session, SlaCreditRequest) == 0


def test_a_confirm_without_csrf_token_is_refused(login_as, session, seats):
    client = login_as("customer_admin")
    response = client.post("/customer/sla/confirm", data=choice(seats))
    assert response.status_code == 400 and "Reload the page" in response.get_data(as_text=True)
    response = client.post("/customer/sla/tickets", data={
        "account_id": seats.customer_id, "summary": "Calls drop"})
    assert response.status_code == 400
    assert count(session, SlaCreditRequest) == 0 and count(session, TroubleTicket) == 1


def test_staff_approval_issues_one_credit_note_and_the_customer_sees_it(
        app, session, world, seats, login_as):
    credit_request = a_request(session, seats, world)
    amount = dollars(credit_request.credit_minor)
    staff = staff_client(app, session)
    queue = staff.get("/staff/credit-requests").get_data(as_text=True)
    assert world.customers["channel"].account_number in queue and amount not in queue
    page = f"/staff/credit-requests/{credit_request.id}"
    before = staff.get(page).get_data(as_text=True)
    assert amount not in before and SERVICE_MARKER not in before
    assert "state a purpose" in before
    state_purpose(staff, credit_request)
    shown = staff.get(page).get_data(as_text=True)
    assert amount in shown and "INC-WEB-1" in shown
    approve_form = form(staff, page, decision="approve", reason="")
    response = staff.post(f"{page}/decide", data=approve_form)
    assert response.status_code == 302
    again = staff.post(f"{page}/decide", data=approve_form)
    assert again.status_code == 400 and "already approved" in again.get_data(as_text=True)
    assert count(session, CreditNote) == 1
    note = session.scalars(select(CreditNote)).one()
    assert note.amount_minor == credit_request.credit_minor and note.reason == "sla"
    customer_page = login_as("customer_admin").get("/customer/sla").get_data(as_text=True)
    assert "Approved" in customer_page


def test_staff_decide_only_after_stating_a_purpose(app, session, world, seats):
    credit_request = a_request(session, seats, world)
    staff = staff_client(app, session)
    page = f"/staff/credit-requests/{credit_request.id}"
    token = csrf_token(staff, "/staff/credit-requests")
    response = staff.post(f"{page}/decide", data={"csrf_token": token, "decision": "approve"})
    assert response.status_code == 400
    assert count(session, CreditNote) == 0


def test_a_rejection_needs_a_reason(app, session, world, seats, login_as):
    credit_request = a_request(session, seats, world)
    staff = staff_client(app, session, "billing_supervisor")
    state_purpose(staff, credit_request)
    page = f"/staff/credit-requests/{credit_request.id}"
    response = staff.post(f"{page}/decide", data=form(staff, page, decision="reject",
                                                      reason="  "))
    assert response.status_code == 400 and "why" in response.get_data(as_text=True)
    session.refresh(credit_request)
    assert credit_request.status == "pending"
    staff.post(f"{page}/decide", data=form(staff, page, decision="reject",
                                           reason="The outage was DNS: exclusion (e)"))
    session.refresh(credit_request)
    assert credit_request.status == "rejected" and count(session, CreditNote) == 0
    customer_page = login_as("customer_admin").get("/customer/sla").get_data(as_text=True)
    assert "Rejected" in customer_page and "exclusion (e)" in customer_page


def test_the_queue_lists_pending_first_and_filters_by_status(app, session, world, seats):
    first = a_request(session, seats, world)
    location = session.scalars(select(Service).filter_by(
        customer_id=world.customers["location"].id)).one()
    second = request_credit(session, service=location, month=LAST_MONTH, user=None,
                            now=utcnow())
    first.status = "rejected"
    first.decision_reason = "test"
    session.commit()
    staff = staff_client(app, session)
    page = staff.get("/staff/credit-requests").get_data(as_text=True)
    assert page.index(f"#{second.id}<") < page.index(f"#{first.id}<")
    rejected = staff.get("/staff/credit-requests?status=rejected").get_data(as_text=True)
    assert f"#{first.id}<" in rejected and f"#{second.id}<" not in rejected
    assert staff.get("/staff/credit-requests?status=lost").status_code == 400


def test_staff_outside_billing_roles_cannot_open_the_queue(app, session, world, seats):
    credit_request = a_request(session, seats, world)
    admin = staff_client(app, session, "admin")
    assert admin.get("/staff/credit-requests").status_code == 404
    assert admin.get(f"/staff/credit-requests/{credit_request.id}").status_code == 404
    assert admin.get("/staff/credit-requests/999999").status_code == 404


def test_partner_without_approval_sees_no_services_or_amounts(login_as, session, world,
                                                               seats):
    credit_request = a_request(session, seats, world)
    client = login_as("channel_admin")
    url = f"/partner/customers/{world.customers['channel'].id}/sla"
    assert world.customers["channel"].account_number in client.get("/partner/sla").get_data(
        as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "CPNI withheld" in page and "Report an outage" in page
    for secret in (*CPNI_MARKERS, "Voice seat", dollars(credit_request.credit_minor)):
        assert secret not in page
    response = client.post(f"{url}/preview", data=form(client, url, **choice(seats)))
    assert response.status_code == 403
    assert SERVICE_MARKER not in response.get_data(as_text=True)
    response = client.post(f"{url}/confirm", data=form(client, url, **choice(seats)))
    assert response.status_code == 403
    assert count(session, SlaCreditRequest) == 1 and count(session, CpniDisclosure) == 0
    ticket = {"account_id": world.customers["location"].id, "summary": "Location is down"}
    assert client.post(f"{url}/tickets", data=form(client, url, **ticket)).status_code == 302
    assert session.scalars(select(TroubleTicket).filter_by(
        summary="Location is down")).one().customer_id == world.customers["location"].id


def test_partner_gets_404_for_a_customer_out_of_reach(login_as, world, seats):
    client = login_as("channel_admin")
    url = f"/partner/customers/{world.customers['other'].id}/sla"
    assert client.get(url).status_code == 404
    own = f"/partner/customers/{world.customers['channel'].id}/sla"
    ticket = form(client, own, account_id=world.customers["other"].id, summary="Down")
    assert client.post(f"{url}/tickets", data=ticket).status_code == 404
    assert client.post(f"{own}/tickets", data=ticket).status_code == 404


def test_partner_with_approval_requests_on_the_customers_behalf(login_as, session, world,
                                                                 seats):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    client = login_as("channel_admin")
    url = f"/partner/customers/{world.customers['channel'].id}/sla"
    assert SERVICE_MARKER in client.get(url).get_data(as_text=True)
    preview = client.post(f"{url}/preview", data=form(client, url, **choice(seats)))
    assert dollars(expected_credit(session, seats)) in preview.get_data(as_text=True)
    response = client.post(f"{url}/confirm", data=form(client, url, **choice(seats)))
    assert response.status_code == 302
    made = session.scalars(select(SlaCreditRequest)).one()
    assert made.requested_by_id == world.users["channel_admin"].id
    assert made.customer_id == world.customers["channel"].id
    disclosures = session.scalars(select(CpniDisclosure)).all()
    assert disclosures and {d.partner_id for d in disclosures} == {world.partners["channel"].id}


def test_reporting_an_outage_opens_one_ticket(login_as, session, world, seats):
    client = login_as("customer_admin")
    before = count(session, TroubleTicket)
    report = form(client, "/customer/sla", account_id=world.customers["channel"].id,
                  summary="  No dial tone on any seat  ")
    response = client.post("/customer/sla/tickets", data=report, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "is open" in page and "No dial tone on any seat" in page
    assert "already reported" in client.post("/customer/sla/tickets", data=report,
                                             follow_redirects=True).get_data(as_text=True)
    tickets = session.scalars(select(TroubleTicket).filter_by(source="portal")).all()
    assert count(session, TroubleTicket) == before + 1 and len(tickets) == 1
    assert tickets[0].opened_by_id == world.users["customer_admin"].id


def test_an_outage_report_needs_a_summary(login_as, session, world, seats):
    client = login_as("customer_admin")
    before = count(session, TroubleTicket)
    response = client.post("/customer/sla/tickets", data=form(
        client, "/customer/sla", account_id=world.customers["channel"].id, summary="   "))
    assert response.status_code == 400
    assert "Describe what is failing." in response.get_data(as_text=True)
    assert count(session, TroubleTicket) == before


@contextmanager
def orm_in_templates(app):
    """Every template rendered meanwhile, with the ORM objects its view passed it
    (looked for while the request lasts)."""
    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, orm_objects(view_context(context))))

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


def orm_objects(value, path="context"):
    """Mapped instances anywhere in a template's context (dicts, lists, pages)."""
    if sa_inspect(value, raiseerr=False) is not None and hasattr(value, "__mapper__"):
        return [path]
    if isinstance(value, dict):
        return [hit for key, item in value.items() for hit in orm_objects(item, f"{path}.{key}")]
    if isinstance(value, (list, tuple)):
        return [hit for number, item in enumerate(value)
                for hit in orm_objects(item, f"{path}[{number}]")]
    if isinstance(value, Page):
        return orm_objects(value.items, f"{path}.page")
    return []


def view_context(context: dict) -> dict:
    """What the view passed: Flask's and Flask-Login's own globals left out."""
    return {k: v for k, v in context.items()
            if k not in {"current_user", "request", "session", "g", "config"}}


def test_sla_templates_receive_dicts_never_orm_objects(app, login_as, session, world,
                                                       seats):
    credit_request = a_request(session, seats, world)
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    partner_url = f"/partner/customers/{world.customers['channel'].id}/sla"
    staff_page = f"/staff/credit-requests/{credit_request.id}"
    with orm_in_templates(app) as seen:
        partner = login_as("channel_admin")
        assert dollars(credit_request.credit_minor) in partner.get(partner_url).get_data(
            as_text=True)
        earlier = f"{ended_months(utcnow())[1]:%Y-%m}"  # last month is requested already
        partner.post(f"{partner_url}/preview",
                     data=form(partner, partner_url, **choice(seats, earlier)))
        staff = staff_client(app, session)
        state_purpose(staff, credit_request)
        assert dollars(credit_request.credit_minor) in staff.get(staff_page).get_data(
            as_text=True)
        staff.get("/staff/credit-requests")
        outage = session.scalars(select(Outage).filter_by(ref="INC-WEB-1")).one()
        outage_page = staff.get(f"/staff/outages/{outage.id}").get_data(as_text=True)
        assert "<td>Yes</td>" in outage_page and "opened after 72 hours" not in outage_page
        assert "INC-WEB-1" in staff.get("/staff/tickets").get_data(as_text=True)
        staff.get("/staff/outages")
    sla_pages = [(name, found) for name, found in seen if name.startswith("sla/")]
    assert {name for name, _ in sla_pages} >= {
        "sla/partner_sla.html", "sla/partner_sla_preview.html",
        "sla/staff_credit_request.html", "sla/staff_credit_requests.html",
        "sla/staff_ledger_outage.html", "sla/staff_ledger_outages.html",
        "sla/staff_ledger_tickets.html"}
    for name, found in sla_pages:
        assert found == [], name


def test_staff_see_no_decision_reason_before_stating_a_purpose(app, session, world, seats):
    credit_request = a_request(session, seats, world)
    credit_request.status, credit_request.decision_reason = "rejected", "Quoted $54.00 seats"
    session.commit()
    staff = staff_client(app, session)
    page = f"/staff/credit-requests/{credit_request.id}"
    assert "Quoted $54.00 seats" not in staff.get(page).get_data(as_text=True)
    state_purpose(staff, credit_request)
    assert "Quoted $54.00 seats" in staff.get(page).get_data(as_text=True)
