"""Every route that takes an object id answers 404 for an object of another tenant."""

import pytest

from billing.core.clock import utcnow
from billing.parties import identity

PAGE_ROUTES = {
    "channel_admin": ["/partner/customers/{customer}", "/partner/invoices/{invoice}",
                      "/partner/invoices/{invoice}/pdf"],
    "customer_admin": ["/customer/accounts/{customer}", "/customer/invoices/{invoice}",
                       "/customer/invoices/{invoice}/pdf"],
}
API_ROUTES = ["/api/v1/customers/{customer}", "/api/v1/invoices/{invoice}",
              "/api/v1/invoices/{invoice}/pdf"]
FOREIGN = ["other", "agency", "wholesale", "direct"]


def _urls(templates, world, key):
    ids = {"customer": world.customers[key].id, "invoice": world.invoices[key].id}
    return [t.format(**ids) for t in templates]


@pytest.mark.parametrize("user_key", sorted(PAGE_ROUTES))
@pytest.mark.parametrize("foreign", FOREIGN)
def test_pages_answer_404_for_another_tenants_objects(login_as, world, user_key, foreign):
    client = login_as(user_key)
    for url in _urls(PAGE_ROUTES[user_key], world, foreign):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("foreign", FOREIGN + ["channel"])
def test_sub_agent_cannot_reach_its_parent_agency_or_others(login_as, world, foreign):
    client = login_as("sub_admin")
    for url in _urls(PAGE_ROUTES["channel_admin"], world, foreign):
        assert client.get(url).status_code == 404, url


def test_agency_reaches_its_sub_agents_customers(login_as, world):
    client = login_as("agency_admin")
    for url in _urls(PAGE_ROUTES["channel_admin"], world, "subsub"):
        assert client.get(url).status_code == 200, url


def test_sub_account_user_cannot_reach_its_corporate(login_as, world):
    client = login_as("location_admin")
    for url in _urls(PAGE_ROUTES["customer_admin"], world, "channel"):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("foreign", FOREIGN)
def test_api_answers_404_for_another_tenants_objects(client, world, session, foreign):
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    for url in _urls(API_ROUTES, world, foreign):
        response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("user_key, url", [
    ("channel_admin", "/customer/"), ("channel_admin", "/staff/"),
    ("customer_admin", "/partner/customers"), ("customer_admin", "/staff/"),
    ("channel_user", "/partner/tokens"),
])
def test_other_audiences_pages_answer_404(login_as, user_key, url):
    assert login_as(user_key).get(url).status_code == 404


def test_partner_cannot_revoke_another_partners_token(login_as, world, session):
    token, _ = identity.create_api_token(session, user=world.users["other_admin"], name="x",
                                         now=utcnow())
    session.commit()
    client = login_as("channel_admin")
    from tests.conftest import csrf_token

    form = {"csrf_token": csrf_token(client, "/partner/tokens")}
    assert client.post(f"/partner/tokens/{token.id}/revoke", data=form).status_code == 404
    session.refresh(token)
    assert token.revoked_at is None


def test_customer_cannot_approve_a_partner_that_does_not_serve_it(login_as, world):
    from tests.conftest import csrf_token
    from tests.factories import PASSWORD

    client = login_as("customer_admin")
    form = {"csrf_token": csrf_token(client, "/customer/cpni"), "scope": "billing",
            "partner_id": world.partners["other"].id, "password": PASSWORD}
    assert client.post("/customer/cpni/grant", data=form).status_code == 404


def test_customer_pages_list_only_related_accounts_in_reach(login_as, session, world):
    from tests.factories import make_customer

    corporate = world.customers["channel"]
    foreign_sub = make_customer(session, "AC-0900", "Elsewhere Location",
                                partner=world.partners["other"], parent=corporate)
    session.commit()
    page = login_as("channel_admin").get(f"/partner/customers/{corporate.id}")
    assert "Channel Customer Location" in page.get_data(as_text=True)
    assert "Elsewhere Location" not in page.get_data(as_text=True)
    client = login_as("other_admin")
    page = client.get(f"/partner/customers/{foreign_sub.id}").get_data(as_text=True)
    assert "Elsewhere Location" in page and "AC-0001" not in page
