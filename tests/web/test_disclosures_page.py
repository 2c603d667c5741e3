"""Who saw my data: the customer sees each disclosure of its own CPNI, and only its own."""

from sqlalchemy import func, select

from billing.cpni.models import CpniDisclosure
from tests.conftest import login
from tests.factories import approve


def _client(app, user):
    client = app.test_client()
    login(client, user)
    return client


def test_a_partners_view_of_an_approved_invoice_shows_on_that_customers_page_only(
        app, session, world):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    invoice = world.invoices["channel"]
    partner = _client(app, world.users["channel_admin"])
    assert partner.get(f"/partner/invoices/{invoice.id}").status_code == 200
    assert session.scalar(select(func.count()).select_from(CpniDisclosure)) == 1

    own = _client(app, world.users["customer_admin"]).get("/customer/disclosures")
    page = own.get_data(as_text=True)
    assert own.status_code == 200
    assert f"invoice {invoice.number}" in page
    assert world.users["channel_admin"].name in page and "Channel One" in page

    other = _client(app, world.users["other_customer"]).get("/customer/disclosures")
    assert invoice.number not in other.get_data(as_text=True)
    assert "Nobody else has seen your CPNI." in other.get_data(as_text=True)


def test_a_view_on_the_customers_call_says_how_the_caller_was_verified(app, session, world):
    from tests.conftest import csrf_token

    staff = _client(app, world.users["staff"])
    url = f"/staff/customers/{world.customers['channel'].id}"
    staff.post(f"{url}/call", data={"csrf_token": csrf_token(staff, url),
                                    "method": "call_back"})
    assert staff.get(f"/staff/invoices/{world.invoices['channel'].id}").status_code == 200
    page = _client(app, world.users["customer_admin"]).get("/customer/disclosures")
    text = page.get_data(as_text=True)
    assert "on your call, the caller verified by a call back to your number of record" in text
