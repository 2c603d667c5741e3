"""A customer admin keeps the account's VAT number on the contact details page: checked
for its country's format, printed on later invoices, never on those already issued."""

from __future__ import annotations

from tests.conftest import csrf_token
from tests.factories import PASSWORD


def _form(customer, **changes) -> dict:
    form = {"email_of_record": customer.email_of_record,
            "address_line1": customer.address_line1,
            "address_line2": customer.address_line2 or "", "city": customer.city,
            "region": customer.region or "", "postal_code": customer.postal_code,
            "country": customer.country, "vat_number": customer.vat_number or "",
            "password": PASSWORD}
    form.update(changes)
    return form


def _post(client, form):
    return client.post("/customer/contact",
                       data={**form, "csrf_token": csrf_token(client, "/customer/contact")})


def test_a_customer_admin_sets_and_clears_the_vat_number(login_as, world, session, mailbox):
    customer = world.customers["channel"]
    client = login_as("customer_admin")
    response = _post(client, _form(customer, country="DE", vat_number="de 123.456-789"))
    assert response.status_code == 302
    session.refresh(customer)
    assert customer.vat_number == "DE123456789"
    assert "DE123456789" in client.get("/customer/contact").get_data(as_text=True)
    account = client.get(f"/customer/accounts/{customer.id}").get_data(as_text=True)
    assert "VAT number" in account and "DE123456789" in account
    assert _post(client, _form(customer, vat_number="")).status_code == 302
    session.refresh(customer)
    assert customer.vat_number is None


def test_a_malformed_vat_number_is_refused_and_changes_nothing(login_as, world, session,
                                                               mailbox):
    customer = world.customers["channel"]
    client = login_as("customer_admin")
    response = _post(client, _form(customer, city="Boulder", vat_number="DE12345"))
    assert response.status_code == 400
    assert "not written as a DE VAT number" in response.get_data(as_text=True)
    session.refresh(customer)
    assert (customer.city, customer.vat_number) == ("Denver", None)
    assert mailbox.messages == []
