"""Billing staff find any account, and open CPNI only after stating a purpose."""

from sqlalchemy import select

from billing.cpni.models import CpniDisclosure
from tests.conftest import csrf_token


def test_staff_find_any_account_by_number_or_name(login_as, world):
    client = login_as("staff")
    by_number = client.get("/staff/?q=AC-0100").get_data(as_text=True)
    assert "Direct Customer" in by_number and "Other Customer" not in by_number
    by_name = client.get("/staff/?q=wholesale").get_data(as_text=True)
    assert "Wholesale Customer" in by_name


def test_cpni_stays_hidden_until_a_purpose_is_stated(login_as, session, world):
    client = login_as("staff")
    url = f"/staff/customers/{world.customers['other'].id}"
    page = client.get(url).get_data(as_text=True)
    assert "ZEBRA-SERVICE-7731" not in page and "state a purpose" in page
    assert session.scalars(select(CpniDisclosure)).all() == []
    form = {"csrf_token": csrf_token(client, url), "purpose": "support"}
    client.post(f"{url}/cpni", data=form)
    assert "ZEBRA-SERVICE-7731" in client.get(url).get_data(as_text=True)
    logged = session.scalars(select(CpniDisclosure)).one()
    assert (logged.purpose, logged.user_id, logged.surface) == (
        "support", world.users["staff"].id, "page")


def test_the_purpose_is_per_account(login_as, world):
    client = login_as("staff")
    first = f"/staff/customers/{world.customers['other'].id}"
    client.post(f"{first}/cpni", data={"csrf_token": csrf_token(client, first),
                                       "purpose": "billing"})
    second = f"/staff/invoices/{world.invoices['direct'].id}"
    assert "QUOKKA-LINE-4410" not in client.get(second).get_data(as_text=True)


def test_staff_invoice_pdf_after_purpose_carries_charges(login_as, world):
    from tests.pdf.pdftext import pdf_text

    client = login_as("staff")
    customer, invoice = world.customers["direct"].id, world.invoices["direct"].id
    pdf_before = pdf_text(client.get(f"/staff/invoices/{invoice}/pdf").data)
    assert "QUOKKA-LINE-4410" not in pdf_before
    url = f"/staff/customers/{customer}"
    client.post(f"{url}/cpni", data={"csrf_token": csrf_token(client, url),
                                     "purpose": "billing"})
    assert "QUOKKA-LINE-4410" in pdf_text(client.get(f"/staff/invoices/{invoice}/pdf").data)


def test_an_unknown_purpose_is_refused(login_as, world):
    client = login_as("staff")
    url = f"/staff/customers/{world.customers['other'].id}"
    response = client.post(f"{url}/cpni", data={"csrf_token": csrf_token(client, url),
                                                "purpose": "marketing"})
    assert response.status_code == 400
