"""The dispute API: filing, reading and commenting within the access policy; amounts and
lines only with the customer's CPNI approval; clear 400s per field; the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.cpni.models import CpniDisclosure
from billing.disputes import filing, steps
from billing.disputes.models import Dispute
from billing.parties import identity
from portal.api.openapi import document
from tests.factories import approve, make_tiers, recent_invoice

CPNI_KEYS = {"amount", "credit", "held", "lines", "credit_note"}
FILING = {"reason": "wrong_rate", "description": "Seats billed at the list rate.",
          "amount": "125.50"}


@pytest.fixture
def invoice(world, session):
    """Tiers, and an invoice of 8,642.19 USD of the channel partner's customer."""
    make_tiers(session)
    found = recent_invoice(session, world.customers["channel"])
    session.commit()
    return found


@pytest.fixture
def token_for(client, session, world):
    def make(user_key):
        _, secret = identity.create_api_token(session, user=world.users[user_key], name="x",
                                              now=utcnow())
        session.commit()
        headers = {"Authorization": f"Bearer {secret}"}

        def call(method, url, body=None, **extra):
            return client.open(url, method=method, json=body, headers=headers, **extra)

        return call

    return make


@pytest.fixture
def partner(token_for):
    return token_for("channel_admin")


@pytest.fixture
def approved(world, session):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()


def file(api, invoice, **changes):
    return api("POST", "/api/v1/disputes", {"invoice_id": invoice.id, **FILING, **changes})


def disclosures(session) -> int:
    return session.scalar(select(func.count()).select_from(CpniDisclosure))


def test_an_approved_partner_files_reads_lists_and_comments(partner, invoice, approved,
                                                            session):
    filed = file(partner, invoice)
    assert filed.status_code == 201
    data = filed.get_json()["data"]
    assert data["amount"] == {"minor": 12550, "currency": "USD", "amount": "125.50"}
    assert data["held"]["minor"] == 12550 and data["status"] == "open"
    assert data["tier"]["level"] == 1 and data["deadline_at"].endswith("Z")
    assert "cpni_withheld" not in data
    read = partner("GET", f"/api/v1/disputes/{data['id']}").get_json()["data"]
    assert read == data
    listed = partner("GET", "/api/v1/disputes").get_json()
    assert [row["reference"] for row in listed["data"]] == [data["reference"]]
    comment = partner("POST", f"/api/v1/disputes/{data['id']}/comments",
                      {"body": "The contract is attached in the portal."})
    assert comment.status_code == 201 and comment.get_json()["data"]["kind"] == "commented"
    events = partner("GET", f"/api/v1/disputes/{data['id']}/events").get_json()["data"]
    assert [e["kind"] for e in events] == ["filed", "commented"]
    assert events[1]["body"] == "The contract is attached in the portal."
    assert disclosures(session) == 4  # filed, read, listed, timeline: each showed CPNI


def test_a_double_submit_returns_the_same_dispute(partner, invoice, approved, session):
    first, again = file(partner, invoice), file(partner, invoice)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["data"]["id"] == again.get_json()["data"]["id"]
    assert session.scalar(select(func.count()).select_from(Dispute)) == 1


def test_invoice_number_and_lines_may_be_given(partner, invoice, approved):
    line = invoice.lines[0]
    response = file(partner, invoice, invoice_id=None, invoice_number=invoice.number,
                    line_ids=[line.id])
    assert response.status_code == 201, response.get_json()
    assert [row["description"] for row in response.get_json()["data"]["lines"]] == [
        line.description]


def test_another_partners_dispute_is_not_found(partner, token_for, invoice, approved):
    dispute_id = file(partner, invoice).get_json()["data"]["id"]
    other = token_for("other_admin")
    for method, url, body in [("GET", f"/api/v1/disputes/{dispute_id}", None),
                              ("GET", f"/api/v1/disputes/{dispute_id}/events", None),
                              ("POST", f"/api/v1/disputes/{dispute_id}/comments",
                               {"body": "Hello"})]:
        response = other(method, url, body)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == (
            "not_found"), url
    assert other("GET", "/api/v1/disputes").get_json()["data"] == []
    assert file(other, invoice).status_code == 404  # nor may it file on that invoice


def test_a_partner_without_approval_files_but_sees_no_amounts(partner, invoice, session):
    filed = file(partner, invoice, amount="7,531.86")
    assert filed.status_code == 201
    for response in (filed, partner("GET", f"/api/v1/disputes/{filed.get_json()['data']['id']}"),
                     partner("GET", "/api/v1/disputes")):
        text = response.get_data(as_text=True)
        assert "7531" not in text and "753186" not in text and "8642" not in text
    data = filed.get_json()["data"]
    assert not CPNI_KEYS & set(data)
    assert data["cpni_withheld"]["reason"] == "no_approval"
    assert session.scalar(select(Dispute.amount_minor)) == 753_186
    assert disclosures(session) == 0


def test_choosing_lines_is_refused_without_approval(partner, invoice, session):
    response = file(partner, invoice, line_ids=[invoice.lines[0].id])
    assert response.status_code == 403  # well formed, but not for this partner
    assert "line_ids" in response.get_json()["error"]["fields"]
    assert session.scalar(select(func.count()).select_from(Dispute)) == 0


def test_an_amount_above_what_is_open_is_filed_as_typed_without_saying_how_much(
        partner, invoice, session):
    response = file(partner, invoice, amount="9000.00")
    assert response.status_code == 201
    text = response.get_data(as_text=True)
    assert "8642" not in text and "8,642" not in text and "864219" not in text
    assert session.scalar(select(Dispute.claimed_minor)) == 900_000
    assert session.scalar(select(Dispute.amount_minor)) == 864_219


def test_an_approved_partner_is_refused_an_amount_above_what_is_open(partner, approved,
                                                                    invoice, session):
    response = file(partner, invoice, amount="9000.00")
    assert response.status_code == 409  # well formed; the invoice's state refuses it
    error = response.get_json()["error"]
    assert error["code"] == "amount_too_large" and "amount" in error["fields"]
    assert session.scalar(select(func.count()).select_from(Dispute)) == 0


def test_every_missing_field_is_named_at_once(partner, invoice):
    response = partner("POST", "/api/v1/disputes", {})
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"invoice_id", "reason", "description", "amount"}
    assert "wrong_rate" in fields["reason"]


@pytest.mark.parametrize("digits", [27, 30, 400])
def test_an_amount_with_very_many_digits_is_a_clear_400_and_files_nothing(
        partner, invoice, session, digits):
    response = file(partner, invoice, amount="9" * digits + ".00")
    assert response.status_code == 400
    assert "amount" in response.get_json()["error"]["fields"]
    assert session.scalar(select(func.count()).select_from(Dispute)) == 0


@pytest.mark.parametrize("changes, field", [
    ({"amount": "-5.00"}, "amount"), ({"amount": "abc"}, "amount"),
    ({"amount": "1e3"}, "amount"), ({"amount": "0"}, "amount"),
    ({"amount": "12.345"}, "amount"), ({"amount": 12.5}, "amount"),
    ({"reason": "because"}, "reason"), ({"description": "   "}, "description"),
    ({"description": "x" * 4001}, "description"), ({"invoice_id": "abc"}, "invoice_id"),
    ({"invoice_id": None, "invoice_number": 12}, "invoice_number"),
    ({"invoice_number": "USD-1"}, "invoice_id"), ({"line_ids": "1,2"}, "line_ids"),
    ({"line_ids": [0]}, "line_ids"),
    ({"colour": "red"}, "colour"),
])
def test_a_wrong_field_is_a_400_naming_it(partner, invoice, approved, session, changes, field):
    response = file(partner, invoice, **changes)
    assert response.status_code == 400, response.get_json()
    assert field in response.get_json()["error"]["fields"]
    assert session.scalar(select(func.count()).select_from(Dispute)) == 0


def test_a_body_that_is_not_json_is_a_400(partner, invoice):
    response = partner("POST", "/api/v1/disputes", data="reason=tax",
                       content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]["message"]


def test_an_empty_comment_is_a_400(partner, invoice, approved):
    dispute_id = file(partner, invoice).get_json()["data"]["id"]
    response = partner("POST", f"/api/v1/disputes/{dispute_id}/comments", {"body": " "})
    assert response.status_code == 400 and "body" in response.get_json()["error"]["fields"]


def test_a_colleagues_comment_notifies_the_filer(partner, token_for, invoice, world, mailbox):
    dispute_id = file(partner, invoice).get_json()["data"]["id"]
    mailbox.clear()
    colleague = token_for("channel_user")
    response = colleague("POST", f"/api/v1/disputes/{dispute_id}/comments",
                         {"body": "Adding the customer's contract number: 2025-11."})
    assert response.status_code == 201
    assert [m["To"] for m in mailbox.messages] == [world.users["channel_admin"].email]


def test_an_invoice_number_out_of_reach_is_not_found(partner, invoice, world):
    response = file(partner, invoice, invoice_id=None,
                    invoice_number=world.invoices["other"].number)
    assert response.status_code == 404


def test_staff_tokens_read_without_amounts_and_cannot_file_or_comment(
        partner, token_for, invoice, world, session):
    dispute_id = file(partner, invoice).get_json()["data"]["id"]
    specialist = world.users["staff"]
    steps.comment(session, dispute_id, specialist, "Check the 2025 contract.", utcnow(),
                  internal=True)
    session.commit()
    staff = token_for("staff")
    data = staff("GET", f"/api/v1/disputes/{dispute_id}").get_json()["data"]
    assert not CPNI_KEYS & set(data)
    assert data["cpni_withheld"]["reason"] == "purpose_required"
    staff_events = staff("GET", f"/api/v1/disputes/{dispute_id}/events").get_json()["data"]
    assert [e["internal"] for e in staff_events] == [False, True]
    assert staff_events[1]["actor"]["name"] == specialist.name
    filer_events = partner("GET", f"/api/v1/disputes/{dispute_id}/events").get_json()["data"]
    assert [e["kind"] for e in filer_events] == ["filed"]
    refused = file(staff, invoice)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "step_refused"
    comment = staff("POST", f"/api/v1/disputes/{dispute_id}/comments", {"body": "Hi"})
    assert comment.status_code == 403
    assert len(session.scalars(select(Dispute)).one().events) == 2


def test_list_filters(partner, invoice, approved, world, session):
    file(partner, invoice)
    other_invoice = recent_invoice(session, world.customers["location"], number="USD-LOC-1")
    session.commit()
    file(partner, other_invoice, description="A location's invoice.")

    def references(query):
        response = partner("GET", f"/api/v1/disputes?{query}")
        assert response.status_code == 200, response.get_json()
        return [row["invoice"]["number"] for row in response.get_json()["data"]]

    assert references("") == ["USD-LOC-1", invoice.number]
    assert references(f"invoice_number={invoice.number}") == [invoice.number]
    assert references("account_number=AC-0101") == ["USD-LOC-1"]
    assert references("status=settled") == []
    assert references("status=open&limit=1") == ["USD-LOC-1"]
    bad = partner("GET", "/api/v1/disputes?status=lost")
    assert bad.status_code == 400 and "status" in bad.get_json()["error"]["message"]


def test_the_openapi_document_describes_the_dispute_endpoints(client):
    served = client.get("/api/v1/openapi.json").get_json()
    paths = served["paths"]
    assert set(paths["/disputes"]) == {"get", "post"}
    assert "post" in paths["/disputes/{dispute_id}/comments"]
    assert "get" in paths["/disputes/{dispute_id}/events"]
    assert "get" in paths["/disputes/{dispute_id}"]
    assert "Attachments are not part of the API" in paths["/disputes"]["post"]["description"]
    assert {"Dispute", "DisputeInput", "DisputeEvent"} <= set(served["components"]["schemas"])
    assert served == document()


def test_the_invoice_api_shows_what_disputes_hold_back(session, world, invoice, token_for):
    """A finance system working through the API sees what is chased for payment, where
    it may see the invoice's amounts at all."""
    filing.file_dispute(session, invoice=invoice, user=world.users["customer_admin"],
                        reason="tax", description="Exempt.", amount_minor=10_000,
                        now=utcnow())
    session.commit()
    partner = token_for("channel_admin")
    withheld = partner("GET", f"/api/v1/invoices/{invoice.id}").get_json()["data"]
    assert "disputed" not in withheld and "amount_due_without_disputed" not in withheld
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    data = partner("GET", f"/api/v1/invoices/{invoice.id}").get_json()["data"]
    assert data["disputed"]["minor"] == 10_000
    assert (data["amount_due_without_disputed"]["minor"]
            == data["amount_due"]["minor"] - 10_000)
    listed = partner("GET", "/api/v1/invoices").get_json()["data"]
    assert next(i for i in listed if i["id"] == invoice.id)["disputed"]["minor"] == 10_000
