"""The partner's Commissions page, statement, PDF and workbook: the agency sees its own
earnings and its overrides per sub-agent, a sub-agent only its own, and an account
without an approval in force never appears with amounts of its own."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from billing.core.clock import utcnow
from billing.parties import identity
from tests.commission_helpers import seed_earnings


@pytest.fixture
def earned(session, world):
    return seed_earnings(session, world)


def test_agency_sees_the_chart_and_this_months_total(login_as, earned):
    page = login_as("agency_admin").get("/partner/commissions").get_data(as_text=True)
    assert 'id="chart-commission-USD"' in page
    assert "$20.00" in page  # 500 + 1_500 of overrides


def test_agency_sees_overrides_per_sub_agent_with_the_cpni_cut(login_as, earned):
    page = login_as("agency_admin").get(f"/partner/commissions/{earned}").get_data(as_text=True)
    assert "Overrides through Sub Agent" in page
    assert "Open Books" in page and "$5.00" in page
    assert "Closed Books" not in page and "COM-SHUT" not in page
    assert "1 accounts without CPNI approval, together" in page and "$15.00" in page


def test_sub_agent_sees_only_its_own(login_as, earned):
    page = login_as("sub_admin").get(f"/partner/commissions/{earned}").get_data(as_text=True)
    assert "Overrides through" not in page and "Your accounts" in page
    assert "$15.00" in page and "$45.00" in page and "$5.00" not in page


def test_the_pdf_and_workbook_keep_the_cpni_cut(login_as, earned):
    client = login_as("agency_admin")
    pdf = client.get(f"/partner/commissions/{earned}/statement.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "COM-OPEN" in text and "COM-SHUT" not in text and "Closed Books" not in text
    workbook = client.get(f"/partner/commissions/{earned}/statement.xlsx")
    rows = list(load_workbook(io.BytesIO(workbook.data)).active.iter_rows(values_only=True))
    cells = [str(cell) for row in rows for cell in row if cell is not None]
    assert "COM-OPEN" in cells and "COM-SHUT" not in cells and "Closed Books" not in cells
    assert [row[-1] for row in rows if row[0] == "Total"] == [Decimal("20.00")]


def test_customers_and_other_partners_get_no_commissions(login_as, earned, client):
    assert login_as("channel_admin").get(f"/partner/commissions/{earned}").get_data(
        as_text=True).count("Open Books") == 0
    assert login_as("customer_admin").get("/partner/commissions").status_code in (403, 404)


@pytest.fixture
def api(client, session, world):
    secrets = {}

    def get(url, user):
        if user not in secrets:
            _, secrets[user] = identity.create_api_token(session, user=world.users[user],
                                                         name="erp", now=utcnow())
            session.commit()
        return client.get(url, headers={"Authorization": f"Bearer {secrets[user]}"})

    return get


def test_the_api_answers_the_month_with_the_cpni_cut(api, earned, world):
    data = api(f"/api/v1/commissions?month={earned}", "agency_admin").get_json()["data"]
    [own_group] = data["groups"]
    assert own_group["sub_agent"]["name"] == "Sub Agent"
    assert [a["account_number"] for a in own_group["accounts"]] == ["COM-OPEN"]
    assert own_group["others"] == [{"currency": "USD", "accounts": 1, "total": {
        "minor": 1_500, "currency": "USD", "amount": "15.00"}}]
    assert data["totals"] == [{"minor": 2_000, "currency": "USD", "amount": "20.00"}]
    assert "COM-SHUT" not in str(data)


def test_the_api_reaches_sub_agents_but_not_other_partners(api, earned, world):
    sub = world.partners["sub"].id
    assert api(f"/api/v1/commissions?partner_id={sub}", "agency_admin").status_code == 200
    assert api(f"/api/v1/commissions?partner_id={world.partners['agency'].id}",
               "sub_admin").status_code == 404
    staff = api(f"/api/v1/commissions?partner_id={sub}", "staff").get_json()["data"]
    assert staff["groups"][0]["accounts"] == []  # no purpose over the API: all added up
