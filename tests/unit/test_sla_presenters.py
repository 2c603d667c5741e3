"""The SLA presenters: a credit request's service, hours, amount, decision reason,
credit note and calculation are CPNI and leave the dict without access."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from billing.catalog.models import Service
from billing.core.clock import PROVIDER_TZ
from billing.sla.credits import decide_request, open_ticket, record_outage, request_credit
from billing.sla.models import TroubleTicket
from portal.access import (
    SLA_CREDIT_REQUEST_CPNI_FIELDS,
    SLA_CREDIT_REQUEST_FIELDS,
    CpniAccess,
    cpni_access,
    visible_fields,
)
from portal.sla.presenters import credit_request_dict, credit_request_dicts, ticket_dict
from tests.factories import CPNI_MARKERS, approve

JANUARY = date(2026, 1, 1)
DECIDED = datetime(2026, 2, 3, 12, tzinfo=PROVIDER_TZ).astimezone(UTC)


@pytest.fixture
def approved_request(session, world):
    """The channel customer's January credit (3 hours on its seats), approved."""
    customer = world.customers["channel"]
    seats = session.scalars(select(Service).filter_by(customer_id=customer.id)).one()
    seats.product.sla_family = "voice"
    start = datetime(2026, 1, 6, 9, tzinfo=PROVIDER_TZ).astimezone(UTC)
    outage = record_outage(session, ref="INC-PRES", started_at=start, cause="provider",
                           ended_at=start + timedelta(minutes=150), summary="SBC failover",
                           platform="voice")
    open_ticket(session, customer=customer, opened_at=start + timedelta(hours=1),
                summary="No calls", source="portal", outage=outage)
    found = request_credit(session, service=seats, month=JANUARY, user=None, now=DECIDED)
    decide_request(session, found.id, approve=True, reason="Platform failover",
                   user=world.users["staff"], now=DECIDED)
    session.flush()
    return found


def test_an_unapproved_partner_gets_no_amount_service_or_calculation(session, world,
                                                                     approved_request):
    grant = cpni_access(session, world.users["channel_admin"], world.customers["channel"],
                        DECIDED)
    data = credit_request_dict(approved_request, grant, with_calculation=True)
    assert set(data) == {*SLA_CREDIT_REQUEST_FIELDS, "cpni_withheld"}
    assert data["cpni_withheld"]["reason"] == "no_approval"
    text = repr(data)
    for secret in (*CPNI_MARKERS, "Voice seat", "Platform failover", "daily_rate",
                   str(approved_request.credit_minor), approved_request.credit_note.number):
        assert secret not in text, secret


def test_an_approved_partner_gets_every_field(session, world, approved_request):
    approve(session, world.customers["channel"], world.partners["channel"])
    grant = cpni_access(session, world.users["channel_admin"], world.customers["channel"],
                        DECIDED)
    data = credit_request_dict(approved_request, grant, with_calculation=True)
    assert set(data) == {*SLA_CREDIT_REQUEST_FIELDS, *SLA_CREDIT_REQUEST_CPNI_FIELDS}
    assert data["credit"]["minor"] == approved_request.credit_minor > 0
    assert data["service"]["description"] == "Seats ZEBRA-SERVICE-7731"
    assert data["decision_reason"] == "Platform failover"
    assert data["credit_note"] == approved_request.credit_note.number
    assert data["calculation"]["month"] == "2026-01-01"


def test_the_calculation_only_when_asked(approved_request):
    assert "calculation" not in credit_request_dict(approved_request, CpniAccess(True))


def test_staff_without_a_purpose_get_the_request_without_cpni(approved_request):
    data = credit_request_dict(approved_request, CpniAccess(False, reason="purpose_required"))
    assert "credit" not in data and "decision_reason" not in data
    assert data["cpni_withheld"]["reason"] == "purpose_required"


def test_a_list_takes_each_requests_access_from_its_customer(approved_request):
    customer_id = approved_request.customer_id
    [shown] = credit_request_dicts([approved_request], {customer_id: CpniAccess(True)})
    [hidden] = credit_request_dicts([approved_request],
                                    {customer_id: CpniAccess(False, "no_approval")})
    assert "credit" in shown and "credit" not in hidden


def test_the_policy_names_the_credit_requests_cpni_fields():
    assert visible_fields("sla_credit_request", CpniAccess(False)) == SLA_CREDIT_REQUEST_FIELDS
    assert set(visible_fields("sla_credit_request", CpniAccess(True))) >= {
        "service", "hours", "credit", "calculation"}


def test_tickets_and_instants_read_as_the_api_writes_them(session, approved_request):
    data = ticket_dict(session.scalars(select(TroubleTicket)).one())
    assert data["outage_ref"] == "INC-PRES" and data["opened_at"] == "2026-01-06T17:00:00Z"
    assert data["customer"]["account_number"] == "AC-0001"
