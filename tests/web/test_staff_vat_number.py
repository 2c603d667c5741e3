"""Billing staff correct an account's VAT number on its staff page, checked and normalised
as on the customer's own contact page; issued invoices keep the number they carry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from billing.core.clock import period_ending_in
from billing.invoicing.drafting import draft_invoice
from billing.invoicing.issuing import issue_invoice
from tests.conftest import csrf_token, login
from tests.pdf.pdftext import pdf_text


def _page(customer) -> str:
    return f"/staff/customers/{customer.id}"


def _post(client, customer_id, number, *, token_from=None):
    token = csrf_token(client, token_from or f"/staff/customers/{customer_id}")
    return client.post(f"/staff/customers/{customer_id}/vat-number",
                       data={"csrf_token": token, "vat_number": number})


def test_staff_save_a_normalised_number_and_the_page_shows_it(login_as, world, session):
    customer = world.customers["channel"]
    client = login_as("staff")
    assert "This account has no VAT number of record." in client.get(
        _page(customer)).get_data(as_text=True)
    response = _post(client, customer.id, "de 123.456-789")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{_page(customer)}#vat-number")
    session.refresh(customer)
    assert customer.vat_number == "DE123456789"
    page = client.get(_page(customer)).get_data(as_text=True)
    assert "The VAT number DE123456789 has been saved." in page
    assert "The VAT number of record is DE123456789." in page
    _post(client, customer.id, "DE123456789")
    assert "already the VAT number of record" in client.get(_page(customer)).get_data(
        as_text=True)


def test_a_blank_number_clears_it(login_as, world, session):
    customer = world.customers["channel"]
    customer.vat_number = "FR12345678901"
    session.commit()
    client = login_as("staff")
    assert _post(client, customer.id, "  ").status_code == 302
    session.refresh(customer)
    assert customer.vat_number is None
    page = client.get(_page(customer)).get_data(as_text=True)
    assert "The VAT number has been removed." in page
    assert "This account has no VAT number of record." in page


@pytest.mark.parametrize(("number", "reason"), [
    ("DE12345", "is not written as a DE VAT number"),
    ("XX123456789", "starts with the two letters of its country"),
    ("DE" + "1" * 29, "longer than 30 characters"),
])
def test_an_invalid_number_is_refused_with_its_reason_and_nothing_changes(
        login_as, world, session, number, reason):
    customer = world.customers["channel"]
    customer.vat_number = "DE123456789"
    session.commit()
    response = _post(login_as("staff"), customer.id, number)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="field-error" id="vat_number-error"' in html and reason in html
    session.refresh(customer)
    assert customer.vat_number == "DE123456789"


def test_without_the_csrf_token_nothing_is_saved(login_as, world, session):
    customer = world.customers["channel"]
    response = login_as("staff").post(f"/staff/customers/{customer.id}/vat-number",
                                      data={"vat_number": "DE123456789"})
    assert response.status_code == 400
    session.refresh(customer)
    assert customer.vat_number is None


@pytest.mark.parametrize("customer_id", ["999999", "1" * 30, "abc"])
def test_an_unknown_or_malformed_account_is_not_found(login_as, world, customer_id):
    response = _post(login_as("staff"), customer_id, "DE123456789", token_from="/staff/")
    assert response.status_code == 404


@pytest.mark.parametrize("user", ["customer_admin", "channel_admin"])
def test_only_staff_reach_it(login_as, world, session, user):
    customer = world.customers["channel"]  # the customer admin's own account, the partner's
    client = login_as(user)
    home = "/customer/contact" if user == "customer_admin" else "/partner/"
    assert _post(client, customer.id, "DE123456789", token_from=home).status_code == 404
    session.refresh(customer)
    assert customer.vat_number is None


def _issued(session, customer, month: int):
    draft = draft_invoice(session, customer, period_ending_in(2026, month),
                          datetime(2026, month - 1, 26, 15, tzinfo=UTC))
    issue_invoice(session, draft.id, datetime(2026, month - 1, 26, 16, tzinfo=UTC))
    session.commit()
    return draft


def test_the_next_invoice_carries_the_new_number_and_issued_ones_keep_theirs(
        app, login_as, world, session):
    customer = world.customers["channel"]
    customer.vat_number = "DE123456789"
    earlier = _issued(session, customer, 5)
    assert _post(login_as("staff"), customer.id, "DE 999 999 999").status_code == 302
    later = _issued(session, customer, 6)
    viewer = app.test_client()
    login(viewer, world.users["customer_admin"])
    text = pdf_text(viewer.get(f"/customer/invoices/{later.id}/pdf").data)
    assert "DE999999999" in text and "DE123456789" not in text
    session.refresh(earlier)
    assert earlier.bill_to["vat_number"] == "DE123456789"
