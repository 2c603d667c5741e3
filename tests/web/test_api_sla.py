"""The SLA API: staff systems write outages and tickets; partners read credit requests
within the access policy, amounts only with the customer's CPNI approval."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from billing.catalog.models import Product, Service
from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.cpni.models import CpniDisclosure
from billing.parties import identity
from billing.sla.credits import request_credit
from billing.sla.models import Outage, TroubleTicket
from tests.factories import approve

OUTAGE = {"ref": "INC-1", "started_at": "2026-01-06T09:00:00-07:00",
          "ended_at": "2026-01-06T11:30:00-07:00", "cause": "provider", "platform": "voice",
          "summary": "SBC failover"}
TICKET = {"account_number": "AC-0100", "opened_at": "2026-01-06T09:30:00-07:00",
          "summary": "No inbound calls", "outage_ref": "INC-1"}
AFTER = datetime(2026, 7, 3, tzinfo=UTC)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def token_for(client, session, world):
    def make(user_key):
        _, secret = identity.create_api_token(session, user=world.users[user_key], name="x",
                                              now=utcnow())
        session.commit()
        headers = {"Authorization": f"Bearer {secret}"}

        def call(method, url, body=None, **raw):
            if raw:  # a body sent as it is, e.g. JSON no serializer would write
                return client.open(url, method=method, headers=headers, **raw)
            return client.open(url, method=method, json=body, headers=headers)

        return call

    return make


@pytest.fixture
def staff_api(token_for):
    return token_for("staff")


def test_staff_record_an_outage_and_a_replay_corrects_it(staff_api, session):
    first = staff_api("POST", "/api/v1/outages", OUTAGE)
    assert first.status_code == 201
    data = first.get_json()["data"]
    assert data["started_at"] == "2026-01-06T16:00:00Z" and data["platform"] == "voice"
    replay = staff_api("POST", "/api/v1/outages", {**OUTAGE, "summary": "SBC failover (RCA)"})
    assert replay.status_code == 200 and replay.get_json()["data"]["id"] == data["id"]
    assert count(session, Outage) == 1
    assert session.scalar(select(Outage.summary)) == "SBC failover (RCA)"


def test_an_outage_may_name_its_services(staff_api, session, world):
    service = session.scalars(select(Service)).first()
    body = {**OUTAGE, "platform": None, "service_ids": [service.id]}
    response = staff_api("POST", "/api/v1/outages", body)
    assert response.status_code == 201
    assert response.get_json()["data"]["service_ids"] == [service.id]


@pytest.mark.parametrize("change, message", [
    ({"ended_at": "2026-01-06T08:00:00-07:00"}, "end after it starts"),
    ({"started_at": "2026-01-06T09:00:00"}, "started_at must be an ISO 8601"),
    ({"started_at": "yesterday"}, "started_at must be an ISO 8601"),
    ({"cause": "weather"}, "exclusion letter"),
    ({"cause": 3}, "cause must be a string"),
    ({"ref": None}, "ref is required"),
    ({"ref": "x" * 65}, "at most 64"),
    ({"platform": None}, "platform or the affected services"),
    ({"platform": None, "service_ids": [999999]}, "no service 999999"),
    ({"service_ids": "7"}, "service_ids must be a list"),
    ({"ended": "2026-01-06T11:00:00Z"}, "Unknown fields: ended"),
])
def test_bad_outages_get_a_clear_json_error_and_save_nothing(staff_api, session, change,
                                                             message):
    response = staff_api("POST", "/api/v1/outages", {**OUTAGE, **change})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and message in error["message"]
    assert count(session, Outage) == 0


def test_a_body_that_is_not_a_json_object_is_refused(staff_api, client):
    for body in ([OUTAGE], "INC-1", None):
        response = staff_api("POST", "/api/v1/outages", body)
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "invalid_input"


def test_staff_record_tickets_once(staff_api, session, world):
    staff_api("POST", "/api/v1/outages", OUTAGE)
    first = staff_api("POST", "/api/v1/tickets", TICKET)
    assert first.status_code == 201
    data = first.get_json()["data"]
    assert data["outage_ref"] == "INC-1" and data["source"] == "api"
    assert data["customer"]["account_number"] == "AC-0100"
    assert staff_api("POST", "/api/v1/tickets", TICKET).status_code == 200  # a replay
    with_ref = {**TICKET, "ref": "SUP-7", "summary": "Other report"}
    assert staff_api("POST", "/api/v1/tickets", with_ref).status_code == 201
    assert staff_api("POST", "/api/v1/tickets", with_ref).status_code == 200
    assert count(session, TroubleTicket) == 2


@pytest.mark.parametrize("change, message", [
    ({"account_number": "AC-9999"}, "There is no account"),
    ({"outage_ref": "INC-404"}, "There is no outage"),
    ({"opened_at": "2999-01-01T00:00:00Z"}, "in the future"),
    ({"summary": " "}, "Describe what failed"),
])
def test_bad_tickets_are_refused_and_nothing_is_saved(staff_api, session, world, change,
                                                      message):
    staff_api("POST", "/api/v1/outages", OUTAGE)
    response = staff_api("POST", "/api/v1/tickets", {**TICKET, **change})
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]
    assert count(session, TroubleTicket) == 0


@pytest.mark.parametrize("url", ["/api/v1/outages", "/api/v1/tickets"])
def test_partners_cannot_write_the_ledger(token_for, session, url):
    response = token_for("channel_admin")("POST", url, OUTAGE if "outages" in url else TICKET)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert count(session, Outage) + count(session, TroubleTicket) == 0


def test_staff_may_hold_tokens_but_customers_may_not(session, world):
    identity.create_api_token(session, user=world.users["staff"], name="noc", now=utcnow())
    with pytest.raises(InvalidInput, match="partner or staff"):
        identity.create_api_token(session, user=world.users["customer_admin"], name="x",
                                  now=utcnow())


@pytest.fixture
def requests(session, world):
    """Credit requests for the channel customer (five months) and the other partner's."""
    session.scalars(select(Product)).one().sla_family = "voice"
    made = {}
    for key in ("channel", "other"):
        service = session.scalars(select(Service).filter_by(
            customer_id=world.customers[key].id)).one()
        months = range(1, 6) if key == "channel" else [1]
        made[key] = [request_credit(session, service=service, month=date(2026, month, 1),
                                    user=None, now=AFTER) for month in months]
    session.commit()
    return made


def test_a_partner_without_approval_sees_requests_but_no_amounts(token_for, session,
                                                                 requests):
    api = token_for("channel_admin")
    rows = api("GET", "/api/v1/credit-requests").get_json()["data"]
    assert {r["id"] for r in rows} == {r.id for r in requests["channel"]}
    assert all("credit" not in r and "hours" not in r and "service" not in r for r in rows)
    assert rows[0]["cpni_withheld"]["reason"] == "no_approval"
    one = api("GET", f"/api/v1/credit-requests/{requests['channel'][0].id}").get_json()
    assert "calculation" not in one["data"] and "cpni_withheld" in one["data"]
    assert count(session, CpniDisclosure) == 0


def test_an_approved_partner_sees_amounts_and_each_view_is_logged(token_for, session, world,
                                                                  requests):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    api = token_for("channel_admin")
    found = requests["channel"][0]
    data = api("GET", f"/api/v1/credit-requests/{found.id}").get_json()["data"]
    assert data["credit"]["minor"] == found.credit_minor and data["hours"] == found.hours
    assert data["month"] == "2026-01" and data["calculation"]["month"] == "2026-01-01"
    assert data["service"]["product"] == "Voice seat"
    disclosure = session.scalars(select(CpniDisclosure)).one()
    assert disclosure.surface == "api" and disclosure.customer_id == world.customers[
        "channel"].id


def test_requests_out_of_reach_are_404(token_for, requests):
    api = token_for("channel_admin")
    for request_id in (requests["other"][0].id, 999999, "abc"):
        response = api("GET", f"/api/v1/credit-requests/{request_id}")
        assert response.status_code == 404, request_id
        assert response.get_json()["error"]["code"] == "not_found"


def test_credit_requests_page_by_cursor_and_filter(token_for, world, requests):
    api = token_for("channel_admin")
    seen, url = [], "/api/v1/credit-requests?limit=2"
    while url:
        body = api("GET", url).get_json()
        seen += [row["id"] for row in body["data"]]
        cursor = body["next_cursor"]
        url = cursor and f"/api/v1/credit-requests?limit=2&cursor={cursor}"
    assert seen == sorted((r.id for r in requests["channel"]), reverse=True)
    assert api("GET", "/api/v1/credit-requests?status=approved").get_json()["data"] == []
    assert api("GET", "/api/v1/credit-requests?status=lost").status_code == 400
    other = world.customers["other"].id
    assert api("GET", f"/api/v1/credit-requests?customer_id={other}").get_json()["data"] == []


def test_staff_tokens_read_requests_with_amounts_withheld_until_a_purpose(token_for, requests):
    rows = token_for("staff")("GET", "/api/v1/credit-requests").get_json()["data"]
    assert len(rows) == 6
    assert {r["cpni_withheld"]["reason"] for r in rows} == {"purpose_required"}


@pytest.mark.parametrize("started_at", [
    "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59+00:00",
    "9999-01-01T00:00:00Z"])
def test_instants_outside_the_billed_years_are_refused_and_save_nothing(staff_api, session,
                                                                       started_at):
    response = staff_api("POST", "/api/v1/outages", {**OUTAGE, "started_at": started_at})
    assert response.status_code == 400
    assert "between 2000 and 9998" in response.get_json()["error"]["message"]
    assert count(session, Outage) == 0


def test_a_body_nested_a_hundred_thousand_deep_is_a_clear_400(staff_api, session):
    body = "[" * 100_000 + "]" * 100_000
    response = staff_api("POST", "/api/v1/outages", body=None, data=body,
                         content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 32 levels" in response.get_json()["error"]["message"]
    assert count(session, Outage) == 0


@pytest.mark.parametrize("change", [{"summary": "SBC\x00failover"}, {"ref\x00": "x"},
                                    {"service_ids": [{"a": "\x00"}]}])
def test_a_nul_anywhere_in_a_json_body_is_a_clear_400(staff_api, session, change):
    response = staff_api("POST", "/api/v1/outages", {**OUTAGE, **change})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "The request contains a NUL character."
    assert count(session, Outage) == 0
