"""Finding an invoice by its number: on each audience's invoice list and in the API, only
within what the user may list, exact or by its beginning, and refusing bad text clearly."""

import re

import pytest

from billing.core.clock import utcnow
from billing.parties import identity
from portal.api.openapi import document
from tests.factories import another_period_end, make_invoice


def _numbers(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return re.findall(r'/invoices/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_customer_finds_its_invoice_by_number_in_any_case_and_spacing(login_as, world):
    client = login_as("customer_admin")
    own = world.invoices["channel"].number
    assert _numbers(client.get("/customer/invoices", query_string={
        "q": f"  {own.lower()} "})) == [own]
    page = client.get("/customer/invoices").get_data(as_text=True)
    assert 'name="q"' in page and 'role="search"' in page


def test_customer_search_for_another_customers_number_finds_nothing(login_as, world):
    client = login_as("customer_admin")
    response = client.get("/customer/invoices", query_string={
        "q": world.invoices["other"].number})
    assert _numbers(response) == []
    assert "No invoices match." in response.get_data(as_text=True)


def test_partner_prefix_search_stays_in_its_tree(login_as, world):
    client = login_as("channel_admin")
    found = _numbers(client.get("/partner/invoices", query_string={"q": "USD-2026-00000"}))
    assert sorted(found) == sorted([world.invoices["channel"].number,
                                    world.invoices["location"].number])
    other = world.invoices["other"].number
    assert _numbers(client.get("/partner/invoices", query_string={"q": other})) == []


def test_staff_search_reaches_every_account(login_as, world):
    client = login_as("staff")
    number = world.invoices["other"].number
    assert _numbers(client.get("/staff/invoices", query_string={"q": number})) == [number]


@pytest.mark.parametrize("text", ["%", "_", "USD-2026-%", "' OR 1=1 --", "\\", "ÜÖ-2026",
                                  "USD\x1b-2026"])
def test_wildcards_and_odd_text_find_nothing(login_as, world, text):
    client = login_as("channel_admin")
    assert _numbers(client.get("/partner/invoices", query_string={"q": text})) == []


@pytest.mark.parametrize("text, why", [("U" * 200, "limited to 100 characters"),
                                       ("USD\x00-2026", "NUL character")])
def test_overlong_or_nul_text_is_refused_clearly(login_as, world, text, why):
    client = login_as("channel_admin")
    response = client.get("/partner/invoices", query_string={"q": text})
    assert response.status_code == 400
    assert why in response.get_data(as_text=True)


def test_search_pages_through_every_match_with_the_keyset_pager(login_as, world, session):
    customer = world.customers["channel"]
    numbers = {make_invoice(session, customer, f"QS-{n:04d}",
                            period_end=another_period_end()).number for n in range(55)}
    make_invoice(session, customer, "QT-0001", period_end=another_period_end())
    session.commit()
    client = login_as("channel_admin")
    response = client.get("/partner/invoices", query_string={"q": "qs-"})
    seen = _numbers(response)
    assert len(seen) == 50
    html = response.get_data(as_text=True)
    following = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "q=qs-" in following
    seen += _numbers(client.get(following))
    assert sorted(seen) == sorted(numbers)


@pytest.fixture
def api(client, world, session):
    _, secret = identity.create_api_token(session, user=world.users["agency_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    return lambda url, **params: client.get(url, query_string=params,
                                            headers={"Authorization": f"Bearer {secret}"})


def test_api_finds_by_number_within_the_agency_tree(api, world):
    rows = api("/api/v1/invoices", number="usd-2026-00000").get_json()["data"]
    assert sorted(r["number"] for r in rows) == sorted(
        world.invoices[key].number for key in ("agency", "sub", "subsub"))
    exact = api("/api/v1/invoices", number=world.invoices["sub"].number).get_json()["data"]
    assert [r["customer"]["name"] for r in exact] == ["Sub Customer"]


def test_api_number_of_another_partners_invoice_finds_nothing(api, world):
    for key in ("channel", "other", "direct"):
        body = api("/api/v1/invoices", number=world.invoices[key].number).get_json()
        assert body == {"data": [], "next_cursor": None}


def test_api_refuses_an_overlong_number_with_400(api, world):
    response = api("/api/v1/invoices", number="9" * 200)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_openapi_documents_the_number_search():
    parameters = document()["paths"]["/invoices"]["get"]["parameters"]
    number = next(p for p in parameters if p["name"] == "number")
    assert number["in"] == "query" and number["schema"]["maxLength"] == 100
