"""Payments over the API: lists, filters, the cursor, one payment with what it paid and
what went back; invoices' paid, open and overdue; tenancy and CPNI.

The world's channel customer (AC-0001) owes 8,642.19 on its invoice (due 28 Mar 2026).
It pays 1,234.56 by cheque CHQ-API-7781 on 10 Mar 2026, naming the invoice (partial),
and 34.56 of it is refunded on 12 Mar: the invoice then holds 1,200.00 and 7,442.19 is
open. The "other" customer (another partner's) wires 500.00 on 11 Mar; 99.99 arrives
from nobody known on 13 Mar (the suspense queue).
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.cpni.models import CpniDisclosure
from billing.parties import identity
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment
from portal.api.openapi import document
from tests.factories import CPNI_MARKERS, approve

# The cheque's amount and reference in every way a body could carry them.
PAYMENT_MARKERS = ("1,234.56", "1234.56", "123456", "1.234,56", "CHQ-API-7781", "34.56",
                   "3456", "7,442.19", "7442.19", "744219", "1,200.00", "120000",
                   "2026-03-10")


def _day(day):
    return datetime(2026, 3, day, 15, tzinfo=UTC)


def _pay(session, customer, amount, day, reference, method="cheque", names=()):
    return record_payment(session, Receipt(
        currency="USD", amount_minor=amount, received_at=_day(day), method=method,
        reference=reference, source="staff", customer_id=customer.id if customer else None,
        named_numbers=names), utcnow())[0]


@pytest.fixture
def paid(session, world):
    cheque = _pay(session, world.customers["channel"], 123_456, 10, "CHQ-API-7781",
                  names=(world.invoices["channel"].number,))
    refund_payment(session, cheque.id, 3_456, utcnow(), reason="Paid twice for one line")
    wire = _pay(session, world.customers["other"], 50_000, 11, "WIRE-OTHER", method="wire")
    suspense = _pay(session, None, 9_999, 13, "WIRE-UNKNOWN", method="wire")
    session.commit()
    return {"cheque": cheque, "wire": wire, "suspense": suspense}


@pytest.fixture
def approved(session, world):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()


@pytest.fixture
def api(client, session, world):
    """get(url, user key) with a bearer token of that world user (API tokens are for
    partners and staff; customers' reach is tested on the policy itself below)."""
    secrets = {}

    def get(url, user="channel_admin"):
        if user not in secrets:
            _, secrets[user] = identity.create_api_token(session, user=world.users[user],
                                                         name="erp", now=utcnow())
            session.commit()
        return client.get(url, headers={"Authorization": f"Bearer {secrets[user]}"})

    return get


def _ids(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [p["id"] for p in response.get_json()["data"]]


def test_an_approved_partner_lists_its_customers_payments_with_their_figures(api, paid,
                                                                             approved):
    (item,) = api("/api/v1/payments").get_json()["data"]
    assert item["id"] == paid["cheque"].id and item["customer"]["account_number"] == "AC-0001"
    assert (item["method"], item["reference"], item["class"], item["source"]) == (
        "cheque", "CHQ-API-7781", "partial", "staff")
    assert item["received_at"].startswith("2026-03-10T15:00")
    # 1,234.56 in; 34.56 refunded from the invoice (no unapplied credit to take it from)
    assert (item["amount"]["amount"], item["allocated"]["amount"], item["unapplied"]["amount"],
            item["refunded"]["amount"]) == ("1234.56", "1200.00", "0.00", "34.56")
    assert "allocations" not in item


def test_one_payment_shows_what_it_paid_and_what_went_back(api, paid, world, approved):
    body = api(f"/api/v1/payments/{paid['cheque'].id}").get_json()["data"]
    number = world.invoices["channel"].number
    assert [(a["invoice"]["number"], a["amount"]["minor"], a["reversal_id"] is None)
            for a in body["allocations"]] == [(number, 123_456, True), (number, -3_456, False)]
    (refund,) = body["reversals"]
    assert (refund["kind"], refund["amount"]["minor"], refund["reason"]) == (
        "refund", 3_456, "Paid twice for one line")
    assert body["allocations"][1]["reversal_id"] == refund["id"]


def test_invoices_say_paid_open_and_overdue(api, paid, world, approved):
    invoice = world.invoices["channel"]
    for url in (f"/api/v1/invoices/{invoice.id}", f"/api/v1/invoices?customer_id="
                f"{world.customers['channel'].id}"):
        data = api(url).get_json()["data"]
        data = data[0] if isinstance(data, list) else data
        # 8,642.19 - 1,200.00 paid = 7,442.19 open, due 28 Mar 2026: overdue
        assert (data["paid"]["minor"], data["open"]["minor"], data["overdue"]) == (
            120_000, 744_219, True)
        assert data["status"] == "partially_paid"


def test_filters(api, paid, world):
    assert _ids(api("/api/v1/payments?account=AC-0001", "staff")) == [paid["cheque"].id]
    assert _ids(api("/api/v1/payments?account=AC-0001")) == []  # no approval: none
    assert _ids(api("/api/v1/payments?from=2026-03-11&to=2026-03-12", "staff")) == [
        paid["wire"].id]
    assert _ids(api("/api/v1/payments?class=unmatched", "staff")) == [paid["suspense"].id]
    assert _ids(api("/api/v1/payments?currency=usd&to=2026-03-10", "staff")) == [
        paid["cheque"].id]
    assert _ids(api("/api/v1/payments?currency=EUR", "staff")) == []
    assert _ids(api("/api/v1/payments?account=AC-0002")) == []  # another partner's


@pytest.mark.parametrize("query, message", [
    ("from=yesterday", "YYYY-MM-DD"), ("to=2026-02-30", "YYYY-MM-DD"),
    ("currency=XYZ", "currency"), ("class=lost", "class must be one of"),
    ("cursor=nonsense", "cursor"), ("limit=0", "limit"), ("account=" + "A" * 101, "limited"),
])
def test_bad_filters_get_400(api, paid, query, message):
    response = api(f"/api/v1/payments?{query}", "staff")
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_cursor_walks_every_payment_once(api, paid):
    seen, url = [], "/api/v1/payments?limit=1"
    while url:
        body = api(url, "staff").get_json()
        seen += [p["id"] for p in body["data"]]
        url = body["next_cursor"] and f"/api/v1/payments?limit=1&cursor={body['next_cursor']}"
    assert seen == sorted((p.id for p in paid.values()), reverse=True)


def test_staff_see_every_payment_but_no_figures_over_the_api(api, paid):
    data = api("/api/v1/payments", "staff").get_json()["data"]
    assert len(data) == 3 and {p["cpni_withheld"]["reason"] for p in data} == {
        "purpose_required"}
    suspense = api(f"/api/v1/payments/{paid['suspense'].id}", "staff").get_json()["data"]
    assert suspense["customer"] is None and "amount" not in suspense


@pytest.mark.parametrize("user, key", [
    ("channel_admin", "wire"), ("channel_admin", "suspense"), ("other_admin", "cheque"),
    ("agency_admin", "cheque"), ("wholesale_admin", "cheque"),
])
def test_another_tenants_payment_is_not_found(api, paid, approved, user, key):
    response = api(f"/api/v1/payments/{paid[key].id}", user)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert api("/api/v1/payments/not-a-number", user).status_code == 404


def test_an_unapproved_partner_is_told_nothing_of_payments(api, paid, world, session):
    listed = api("/api/v1/payments", "channel_admin")
    assert listed.get_json() == {"data": [], "next_cursor": None}
    detail = api(f"/api/v1/payments/{paid['cheque'].id}", "channel_admin")
    assert detail.status_code == 404
    invoice = api(f"/api/v1/invoices/{world.invoices['channel'].id}", "channel_admin")
    data = invoice.get_json()["data"]
    assert data["status"] == "partially_paid" and data["overdue"] is True  # not CPNI
    assert "paid" not in data and "open" not in data and "cpni_withheld" in data
    invoices = api("/api/v1/invoices", "channel_admin")
    for body in (listed, detail, invoice, invoices):
        text = body.get_data(as_text=True)
        for marker in (*PAYMENT_MARKERS, *CPNI_MARKERS):
            assert marker not in text, marker
    assert session.scalars(select(CpniDisclosure)).all() == []


def test_an_approved_partner_reads_them_and_the_disclosure_is_logged(api, paid, world,
                                                                      session, approved):
    assert _ids(api("/api/v1/payments", "channel_admin")) == [paid["cheque"].id]
    body = api(f"/api/v1/payments/{paid['cheque'].id}", "channel_admin").get_json()["data"]
    assert body["amount"]["amount"] == "1234.56" and len(body["reversals"]) == 1
    subjects = session.scalars(select(CpniDisclosure.subject).order_by(CpniDisclosure.id)).all()
    assert subjects == ["payment list", f"payment {paid['cheque'].id}"]


def test_a_revoked_approval_hides_them_again(api, paid, world, session):
    approve(session, world.customers["channel"], world.partners["channel"], "revoked")
    session.commit()
    assert _ids(api("/api/v1/payments", "channel_admin")) == []
    assert api(f"/api/v1/payments/{paid['cheque'].id}", "channel_admin").status_code == 404


def test_the_openapi_document_describes_payments(app):
    doc = document()
    assert {"/payments", "/payments/{payment_id}"} <= set(doc["paths"])
    props = doc["components"]["schemas"]["Invoice"]["properties"]
    assert props["overdue"]["type"] == "boolean" and "open" in props and "paid" in props
    assert "allocations" in doc["components"]["schemas"]["Payment"]["properties"]


@pytest.mark.parametrize("user, visible", [
    ("customer_admin", {"cheque"}), ("customer_user", {"cheque"}),
    ("other_customer", {"wire"}), ("location_admin", set()),
])
def test_customers_reach_their_own_accounts_payments_only(session, world, paid, user,
                                                           visible):
    """The policy the payment pages ask (customers hold no API tokens)."""
    from billing.core.errors import NotFound
    from portal import access

    who = world.users[user]
    found = set(session.scalars(access.payments_query(session, who, utcnow())).all())
    assert found == {paid[key] for key in visible}
    for key in set(paid) - visible:
        with pytest.raises(NotFound):
            access.get_payment(session, who, paid[key].id, utcnow())
    grants = access.payment_access_many(session, who, list(found), utcnow())
    assert all(grant.visible for grant in grants.values())
