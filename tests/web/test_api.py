"""The partner API: bearer tokens, cursor pagination, filters, JSON errors, OpenAPI."""

import pytest

from billing.core.clock import utcnow
from billing.parties import identity
from portal.api.openapi import document
from tests.factories import make_invoice


@pytest.fixture
def api(client, world, session):
    _, secret = identity.create_api_token(session, user=world.users["agency_admin"],
                                          name="erp", now=utcnow())
    session.commit()

    def get(url, token=secret):
        return client.get(url, headers={"Authorization": f"Bearer {token}"})

    get.secret = secret
    return get


def test_lists_only_customers_in_reach(api):
    names = {c["name"] for c in api("/api/v1/customers").get_json()["data"]}
    assert names == {"Agency Customer", "Sub Customer", "Subsub Customer"}


def test_search_and_cpni_filter(api, world, session):
    from tests.factories import approve

    approve(session, world.customers["sub"], world.partners["agency"])
    session.commit()
    assert [c["name"] for c in api("/api/v1/customers?q=subsub").get_json()["data"]] == [
        "Subsub Customer"]
    approved = api("/api/v1/customers?cpni=active").get_json()["data"]
    assert [c["name"] for c in approved] == ["Sub Customer"]


def test_cursor_pagination_walks_every_invoice_once(api, world, session):
    customer = world.customers["agency"]
    for month in range(1, 8):
        make_invoice(session, customer, f"USD-2025-{month:06d}",
                     period_end=world.invoices["agency"].period_end.replace(year=2025, month=month))
    session.commit()
    seen, url = [], "/api/v1/invoices?limit=3"
    while url:
        body = api(url).get_json()
        seen += [row["number"] for row in body["data"]]
        url = body["next_cursor"] and f"/api/v1/invoices?limit=3&cursor={body['next_cursor']}"
    assert len(seen) == len(set(seen)) == 10  # 7 new + agency, sub, subsub


def test_invoice_filters(api, world):
    rows = api("/api/v1/invoices?period=2026-03&status=issued").get_json()["data"]
    assert len(rows) == 3
    assert api("/api/v1/invoices?period=2025-03").get_json()["data"] == []
    one = api(f"/api/v1/invoices?customer_id={world.customers['sub'].id}").get_json()["data"]
    assert [r["customer"]["name"] for r in one] == ["Sub Customer"]


def test_withheld_fields_say_why(api, world):
    body = api(f"/api/v1/invoices/{world.invoices['sub'].id}").get_json()["data"]
    assert "total" not in body and "lines" not in body
    assert body["cpni_withheld"]["reason"] == "no_approval"
    assert "approv" in body["cpni_withheld"]["message"]


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer nonsense", "Basic abc", "Bearer pbp_000000000000_" + "0" * 48,
])
def test_missing_or_forged_tokens_get_401_json(client, world, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/invoices", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_tampered_token_is_refused(api):
    secret = api.secret
    tampered = secret[:-1] + ("0" if secret[-1] != "0" else "1")
    assert api("/api/v1/invoices", token=tampered).status_code == 401


def test_revoked_token_stops_at_once(api, session, world):
    from sqlalchemy import select

    from billing.parties.users import ApiToken

    assert api("/api/v1/customers").status_code == 200
    token = session.scalars(select(ApiToken)).one()
    identity.revoke_api_token(token, utcnow())
    session.commit()
    assert api("/api/v1/customers").status_code == 401


@pytest.mark.parametrize("query, message", [
    ("limit=0", "limit"), ("limit=abc", "limit"), ("limit=201", "limit"),
    ("cursor=%%%", "cursor"), ("cursor=aWQ6eA", "cursor"), ("period=2026-13", "period"),
    ("status=lost", "status"), ("customer_id=x", "customer_id"), ("q=" + "x" * 101, "Search"),
    ("cpni=maybe", "cpni"),
])
def test_malformed_parameters_get_400_json(api, query, message):
    path = "/api/v1/customers" if query.startswith(("q=", "cpni=")) else "/api/v1/invoices"
    response = api(f"{path}?{query}")
    assert response.status_code == 400, query
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and message in error["message"]


def test_unknown_endpoint_is_json_404(api):
    response = api("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_pdf_endpoint_serves_a_pdf(api, world):
    response = api(f"/api/v1/invoices/{world.invoices['agency'].id}/pdf")
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")


def test_openapi_describes_every_api_route(app, client):
    served = client.get("/api/v1/openapi.json").get_json()
    assert served == document() and served["openapi"].startswith("3.")
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
    }
    assert routes == set(served["paths"])


@pytest.mark.parametrize("query", ["limit=²", "cursor=aWQ6OTk5OTk5OTk5OTk5OTk5OTk5", "q=%00"])
def test_odd_values_are_400_not_500(api, query):
    path = "/api/v1/customers" if query.startswith("q=") else "/api/v1/invoices"
    assert api(f"{path}?{query}").status_code == 400


def test_json_carrying_cpni_is_not_cached(api, world):
    response = api(f"/api/v1/invoices/{world.invoices['agency'].id}")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_query_parameter_the_document_does_not_name_is_refused(api):
    """A misspelt filter is an error, not a silent 'everything'."""
    response = api("/api/v1/invoices?stauts=paid")
    assert response.status_code == 400
    assert "stauts" in response.get_json()["error"]["message"]
    assert api("/api/v1/invoices?status=paid&limit=").status_code == 200  # empty: as absent


def test_a_method_not_allowed_names_the_allowed_ones(api, client):
    response = client.delete("/api/v1/invoices",
                             headers={"Authorization": f"Bearer {api.secret}"})
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
