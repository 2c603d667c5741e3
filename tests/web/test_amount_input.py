"""Amount fields on pages follow the page's locale: typed and shown as that locale writes
amounts, and refused with the expected form when written another way."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billing.collections import policy
from billing.disputes.models import Dispute
from billing.payments.models import Payment
from tests.conftest import csrf_token, login
from tests.factories import make_billing_staff, make_tiers, recent_invoice
from tests.web.payment_helpers import record_form

NNBSP = "\u202f"


@pytest.fixture
def invoice(world, session):
    make_tiers(session)
    found = recent_invoice(session, world.customers["channel"])
    session.commit()
    return found


def speaking(client, session, user, locale):
    user.locale = locale
    session.commit()
    login(client, user)
    return client


def file_dispute(client, invoice, amount):
    url = f"/customer/invoices/{invoice.id}/dispute"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "reason": "wrong_rate",
                                  "amount": amount, "description": "Falscher Tarif."})


def disputes(session) -> list[int]:
    session.expire_all()
    return session.scalars(select(Dispute.amount_minor)).all()


def test_a_german_customer_disputes_12_50_typed_the_german_way(client, session, world, invoice):
    client = speaking(client, session, world.users["customer_admin"], "de")
    form = client.get(f"/customer/invoices/{invoice.id}/dispute").get_data(as_text=True)
    assert 'placeholder="125,50"' in form
    response = file_dispute(client, invoice, "12,50")
    assert response.status_code == 302
    assert disputes(session) == [1250]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12,50\u00a0$" in detail


@pytest.mark.parametrize("locale, typed, expected", [
    ("de", "12.50", "1.234,56"), ("de", "1,234.50", "1.234,56"),
    ("fr", "1.234,50", f"1{NNBSP}234,56"), ("es", "12.50", "1.234,56"),
    ("en_GB", "12,50", "1,234.56"),
])
def test_another_locales_form_is_refused_showing_the_expected_one(
        client, session, world, invoice, locale, typed, expected):
    client = speaking(client, session, world.users["customer_admin"], locale)
    response = file_dispute(client, invoice, typed)
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True)
    assert disputes(session) == []


def test_a_thirty_digit_amount_is_a_form_error(client, session, world, invoice):
    client = speaking(client, session, world.users["customer_admin"], "de")
    response = file_dispute(client, invoice, "1" * 30)
    assert response.status_code == 400 and disputes(session) == []


@pytest.mark.parametrize("typed", [f"1{NNBSP}234,50", "1\u00a0234,50", "1 234,50"])
def test_a_french_customer_groups_thousands_with_a_space(client, session, world, invoice, typed):
    client = speaking(client, session, world.users["customer_admin"], "fr")
    assert file_dispute(client, invoice, typed).status_code == 302
    assert disputes(session) == [123_450]


def test_a_german_manager_sets_fixed_fees_and_sees_them_the_german_way(client, session, world):
    manager = make_billing_staff(session, "billing_manager")
    client = speaking(client, session, manager, "de")
    url = "/staff/collections/policy"
    answer = client.post(url, data={
        "csrf_token": csrf_token(client, url), "reminder_offsets": "-5, 0", "retry_days": "2",
        "autopay_lead_days": "3", "grace_days": "3", "late_fee_mode": "fixed",
        "late_fee_percent": "", "fixed_usd": "25,00", "fixed_eur": "1.234,5"})
    assert answer.status_code == 302
    session.expire_all()
    assert policy.current(session).late_fee_fixed == {"USD": 2500, "EUR": 123_450}
    page = client.get(url).get_data(as_text=True)
    assert 'value="1.234,50"' in page and 'value="25,00"' in page


def test_an_admin_sees_and_saves_a_tiers_authority_the_german_way(client, session, world):
    first = make_tiers(session)[0]  # grants 500.00 in USD and CAD
    client = speaking(client, session, make_billing_staff(session, "admin"), "de")
    url = f"/staff/disputes/tiers?edit={first.id}"
    assert 'value="500,00"' in client.get(url).get_data(as_text=True)
    response = client.post(f"/staff/disputes/tiers/{first.id}", data={
        "csrf_token": csrf_token(client, url), "name": first.name, "role": first.role,
        "response_hours": "16", "authority_USD": "400,5", "authority_CAD": "400"})
    assert response.status_code == 302
    session.expire_all()
    assert {a.currency: a.max_credit_minor for a in first.authorities} == {
        "USD": 40_050, "CAD": 40_000}


@pytest.mark.parametrize("locale, typed", [("de", "1.000,00"), ("es", "1000,5"),
                                           ("fr", "1\u202f000,00"), ("en_GB", "1,000.00")])
def test_staff_record_a_payment_typed_their_way(client, session, world, locale, typed):
    client = speaking(client, session, world.users["staff"], locale)
    response = client.post("/staff/payments/new", data=record_form(client, amount=typed))
    assert response.status_code == 302
    session.expire_all()
    [payment] = session.scalars(select(Payment)).all()
    assert payment.amount_minor == (100_050 if locale == "es" else 100_000)


def test_a_german_payment_typed_the_english_way_is_refused(client, session, world):
    client = speaking(client, session, world.users["staff"], "de")
    response = client.post("/staff/payments/new", data=record_form(client, amount="1,000.00"))
    assert response.status_code == 400 and "1.234,56" in response.get_data(as_text=True)
    assert session.scalars(select(Payment)).all() == []
