"""No answer to a filer who may not see an invoice's amounts depends on what is open
(issue 12): claims on both sides of the open amount are answered alike, on the page and
in the API, and the dispute holds the claim capped inside. Staff read filers' words
only after stating a purpose, and that view is logged."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.cpni.models import CpniDisclosure
from billing.disputes import filing, steps
from billing.disputes.models import Dispute
from billing.parties import identity
from tests.conftest import csrf_token
from tests.factories import make_tiers, recent_invoice

OPEN_MINOR = 864_219  # the invoice's total: nothing else holds any of it
# Below, above, then above again once the first two hold everything (nothing is left).
CLAIMS = ("125.50", "9000.00", "411.40")
DESCRIPTION = "The seat rate is not our contract rate."


@pytest.fixture
def invoice(world, session):
    make_tiers(session)
    found = recent_invoice(session, world.customers["channel"])
    session.commit()
    return found


def held_and_claimed(session) -> list[tuple[int, int]]:
    session.expire_all()
    return list(session.execute(
        select(Dispute.amount_minor, Dispute.claimed_minor).order_by(Dispute.id)).all())


def without_ids(text: str) -> str:
    """The answer less what differs between any two filings: ids, times, CSRF tokens."""
    text = re.sub(r"D-\d{6}", "D-?", text)
    text = re.sub(r'name="csrf_token"( type="hidden")? value="[^"]*"', 'name="csrf_token"', text)
    text = re.sub(r"\d{1,2}:\d{2}:\d{2}\s[AP]M", "?", text)
    return re.sub(r"/disputes/\d+", "/disputes/?", text)


def test_the_api_answers_an_unapproved_partner_alike_on_both_sides_of_the_open_amount(
        client, session, world, invoice):
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="probe", now=utcnow())
    session.commit()
    answers = []
    for amount in CLAIMS:
        response = client.post("/api/v1/disputes", headers={"Authorization": f"Bearer {secret}"},
                               json={"invoice_id": invoice.id, "reason": "wrong_rate",
                                     "description": DESCRIPTION, "amount": amount})
        data = response.get_json()["data"]
        for varying in ("id", "reference", "filed_at", "deadline_at"):
            data.pop(varying)
        answers.append((response.status_code, data))
    assert answers[0][0] == 201
    assert answers[1:] == answers[:1] * 2
    assert "amount" not in answers[0][1] and "cpni_withheld" in answers[0][1]
    # Inside: each claim as typed; what it holds, capped to what was open.
    assert held_and_claimed(session) == [(12_550, 12_550), (OPEN_MINOR - 12_550, 900_000),
                                         (0, 41_140)]


def test_the_page_answers_an_unapproved_partner_alike_on_both_sides_of_the_open_amount(
        login_as, session, invoice):
    client = login_as("channel_admin")
    url = f"/partner/invoices/{invoice.id}/dispute"
    answers = []
    for amount in CLAIMS:
        response = client.post(url, data={
            "csrf_token": csrf_token(client, url), "reason": "wrong_rate",
            "description": DESCRIPTION, "amount": amount})
        shown = client.get(response.headers["Location"])
        answers.append((response.status_code, without_ids(response.headers["Location"]),
                        shown.status_code, without_ids(shown.get_data(as_text=True))))
    assert answers[0][0] == 302 and answers[0][2] == 200
    assert answers[1:] == answers[:1] * 2
    assert "is filed" in answers[0][3]
    assert [claimed for _, claimed in held_and_claimed(session)] == [12_550, 900_000, 41_140]


def test_a_filer_who_sees_the_amounts_is_still_told_how_much_is_open(
        login_as, session, invoice):
    client = login_as("customer_admin")
    url = f"/customer/invoices/{invoice.id}/dispute"
    response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                      "reason": "wrong_rate", "description": DESCRIPTION,
                                      "amount": "9000.00"})
    assert response.status_code == 400
    assert "At most $8,642.19 is still open" in response.get_data(as_text=True)
    assert held_and_claimed(session) == []


def test_a_claim_held_in_part_settles_for_what_it_holds(session, world, invoice):
    partner = world.users["channel_admin"]
    now = utcnow()
    first = filing.file_dispute(session, invoice=invoice, user=partner, reason="wrong_rate",
                                description="first", amount_minor=800_000, now=now,
                                sees_amounts=False).dispute
    second = filing.file_dispute(session, invoice=invoice, user=partner, reason="tax",
                                 description="second", amount_minor=100_000, now=now,
                                 sees_amounts=False).dispute
    session.commit()
    assert (first.amount_minor, second.amount_minor) == (800_000, 64_219)
    director = world.users["staff"]
    steps.take(session, second.id, director, now)
    session.commit()
    assert second.held_minor == 64_219


# --- staff and the filer's words ---------------------------------------------------------

def test_staff_read_the_customers_words_only_after_stating_a_purpose_and_it_is_logged(
        login_as, session, world, invoice):
    customer = world.customers["channel"]
    dispute = filing.file_dispute(
        session, invoice=invoice, user=world.users["customer_admin"], reason="wrong_rate",
        description="We were charged 411.40 for seats we never had.", amount_minor=41_140,
        now=utcnow()).dispute
    steps.comment(session, dispute.id, world.users["customer_admin"],
                  "Line 2 says 317.43, the contract says 300.00.", utcnow())
    session.commit()
    staff = world.users["staff"]
    client = login_as("staff")
    url = f"/staff/disputes/{dispute.id}"
    before = client.get(url).get_data(as_text=True)
    assert "411.40" not in before and "317.43" not in before
    assert "they show once you state your purpose" in before
    assert "State your purpose to read it" in before
    assert logged(session, staff) == []

    client.post(f"/staff/customers/{customer.id}/cpni", data={
        "csrf_token": csrf_token(client, f"/staff/customers/{customer.id}"),
        "purpose": "billing"})
    after = client.get(url).get_data(as_text=True)
    assert "We were charged 411.40" in after and "Line 2 says 317.43" in after
    assert ("billing", f"dispute {dispute.reference}") in logged(session, staff)


def test_a_staff_token_reads_no_customer_words_over_the_api(client, session, world, invoice):
    dispute = filing.file_dispute(
        session, invoice=invoice, user=world.users["customer_admin"], reason="wrong_rate",
        description="We were charged 411.40 for seats we never had.", amount_minor=41_140,
        now=utcnow()).dispute
    _, secret = identity.create_api_token(session, user=world.users["staff"], name="s",
                                          now=utcnow())
    session.commit()
    response = client.get(f"/api/v1/disputes/{dispute.id}",
                          headers={"Authorization": f"Bearer {secret}"})
    data = response.get_json()["data"]
    assert data["description"] is None and data["text_withheld"] == ["description"]
    assert session.scalar(select(func.count()).select_from(CpniDisclosure)) == 0


def logged(session, user) -> list[tuple[str, str]]:
    session.expire_all()
    return list(session.execute(
        select(CpniDisclosure.purpose, CpniDisclosure.subject)
        .where(CpniDisclosure.user_id == user.id).order_by(CpniDisclosure.id)).all())


def test_staff_with_a_purpose_see_the_claim_and_what_it_holds(login_as, session, world,
                                                              invoice):
    dispute = filing.file_dispute(
        session, invoice=invoice, user=world.users["channel_admin"], reason="wrong_rate",
        description=DESCRIPTION, amount_minor=900_000, now=utcnow(),
        sees_amounts=False).dispute
    session.commit()
    client = login_as("staff")
    customer = world.customers["channel"]
    client.post(f"/staff/customers/{customer.id}/cpni", data={
        "csrf_token": csrf_token(client, f"/staff/customers/{customer.id}"),
        "purpose": "billing"})
    page = client.get(f"/staff/disputes/{dispute.id}").get_data(as_text=True)
    assert "$8,642.19" in page and "Amount claimed" in page and "$9,000.00" in page
