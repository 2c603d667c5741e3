"""The receivables ageing pages and files: staff see every account, a partner only the
accounts that approved it (tests/ageing_helpers.py, hand-checked at AS_OF)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from billing.core.clock import provider_date, utcnow
from billing.cpni.models import CpniDisclosure
from tests.ageing_helpers import AS_OF, WITHHELD_MARKERS, build_aged_world

Q = f"as_of={AS_OF.isoformat()}"


@pytest.fixture
def aged(session, world):
    return build_aged_world(session, world)


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_staff_see_every_bucket_per_currency(login_as, aged):
    page = login_as("staff").get(f"/staff/ageing?{Q}").get_data(as_text=True)
    # USD: current 100.00, 1-30 210.00 (A2 50 + A3 100 + C1 60), 31-60 100.00, disputed
    # 40.00; over 90 days the world's eight invoices of 8,642.19 due 03-28: 69,137.52
    for text in ("$100.00", "$210.00", "$40.00", "$69,137.52", "$69,547.52"):
        assert text in page
    assert "CA$80.00" in page and "CA$70.00" in page and "CA$150.00" in page
    assert 'id="chart-ageing-USD"' in page and "chart-series-5" in page
    assert 'id="ageing-withheld"' not in page


def test_the_drill_down_lists_the_accounts_of_a_bucket_with_links(login_as, session, aged):
    client = login_as("staff")
    page = client.get(f"/staff/ageing/accounts?{Q}&currency=USD&bucket=1-30").get_data(
        as_text=True)
    assert "AGE-A" in page and "AGE-C" in page and "AGE-B" not in page
    assert f'href="/staff/customers/{aged.approved.id}"' in page
    assert "$150.00" in page and "$60.00" in page  # A: 50 + 100; C: the refunded 60
    logged = session.scalars(select(CpniDisclosure.customer_id)).all()
    assert set(logged) >= {aged.approved.id, aged.refunded.id}


@pytest.mark.parametrize("query", ["as_of=2026-13-01", "as_of=2999-01-01", "as_of=1999-12-31",
                                   "as_of=2026-06-30&currency=USD&bucket=7-8",
                                   "as_of=2026-06-30&currency=EUR&bucket=1-30"])
def test_bad_choices_get_a_clear_400(login_as, aged, query):
    url = "/staff/ageing/accounts" if "bucket" in query else "/staff/ageing"
    response = login_as("staff").get(f"{url}?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize("key", ["customer_admin", "channel_admin"])
def test_the_staff_report_is_out_of_reach_of_others(login_as, aged, key):
    assert login_as(key).get(f"/staff/ageing?{Q}").status_code == 404


def test_the_csv_has_totals_and_accounts_in_major_units(login_as, aged):
    rows = _csv(login_as("staff").get(f"/staff/ageing/ageing.csv?{Q}"))
    usd = [r for r in rows if r["row"] == "total" and r["currency"] == "USD"][0]
    assert (usd["current"], usd["days_1_30"], usd["days_31_60"], usd["days_over_90"],
            usd["disputed"], usd["collectible"], usd["accounts"]) == (
        "100.00", "210.00", "100.00", "69137.52", "40.00", "69547.52", "10")  # A, C, world
    b = [r for r in rows if r["account_number"] == "AGE-B"][0]
    assert (b["currency"], b["days_61_90"], b["days_over_90"]) == ("CAD", "80.00", "70.00")
    assert not [r for r in rows if r["row"] == "withheld"]


def test_the_workbook_keeps_money_as_numbers_in_currency_formats_and_dates_as_dates(
        login_as, aged):
    response = login_as("staff").get(f"/staff/ageing/ageing.xlsx?{Q}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    totals, accounts = book.worksheets
    header = [c.value for c in totals[1]]
    assert header[:3] == ["As of", "Currency", "Current"]
    cad = [row for row in totals.iter_rows(min_row=2) if row[1].value == "CAD"][0]
    assert cad[0].value.date() == AS_OF and cad[0].number_format == "yyyy-mm-dd"
    assert cad[5].value == Decimal("80") or cad[5].value == 80  # 61-90 days
    assert '"CAD"' in cad[5].number_format
    a_rows = [row for row in accounts.iter_rows(min_row=2) if row[0].value == "AGE-A"]
    assert [c.value for c in a_rows[0][3:9]] == [100, 150, 100, 0, 0, 40]
    assert '"USD"' in a_rows[0][3].number_format


# --- the partner cut -------------------------------------------------------------------------

def test_a_partner_sees_only_approved_accounts_and_how_many_were_left_out(login_as, aged):
    page = login_as("channel_admin").get(f"/partner/ageing?{Q}").get_data(as_text=True)
    # A only: current 100.00, 1-30 150.00, 31-60 100.00, disputed 40.00
    assert "$150.00" in page and "$350.00" in page
    assert 'id="ageing-CAD"' not in page  # B, the only CAD account, has not approved
    # the world's channel accounts (its customer and location) and B and C: four left out
    assert 'id="ageing-withheld"' in page and ">4 of your accounts" in page


def test_an_unapproved_account_leaves_no_trace_of_its_amounts(login_as, aged):
    client = login_as("channel_admin")
    texts = [client.get(f"/partner/ageing?{Q}").get_data(as_text=True),
             client.get(f"/partner/ageing/accounts?{Q}&currency=USD&bucket=1-30").get_data(
                 as_text=True),
             client.get(f"/partner/ageing.csv?{Q}").get_data(as_text=True)]
    book = load_workbook(io.BytesIO(client.get(f"/partner/ageing.xlsx?{Q}").data))
    texts.append(" ".join(str(cell.value) for sheet in book.worksheets
                          for row in sheet.iter_rows() for cell in row))
    for text in texts:
        assert "AGE-B" not in text and "AGE-C" not in text
        for marker in WITHHELD_MARKERS:
            assert marker not in text, marker
    numbers = [cell.value for sheet in book.worksheets for row in sheet.iter_rows()
               for cell in row if isinstance(cell.value, (int, float, Decimal))]
    assert not {60, 70, 80, 210} & set(numbers)
    # nor the CAD bucket of B, asked for by hand
    assert client.get(f"/partner/ageing/accounts?{Q}&currency=CAD&bucket=90%2B"
                      ).status_code == 400


def test_the_partner_files_count_what_was_withheld(login_as, aged):
    rows = _csv(login_as("channel_admin").get(f"/partner/ageing.csv?{Q}"))
    assert [r["accounts"] for r in rows if r["row"] == "withheld"] == ["4"]
    assert [r["account_number"] for r in rows if r["row"] == "account"] == ["AGE-A"]


def test_another_partner_sees_none_of_these_accounts(login_as, aged):
    page = login_as("other_admin").get(f"/partner/ageing?{Q}").get_data(as_text=True)
    assert 'id="ageing-empty"' in page and "AGE-A" not in page


def test_today_is_the_default_day_and_b2_is_paid_by_then(login_as, aged):
    page = login_as("staff").get("/staff/ageing").get_data(as_text=True)
    assert f'value="{provider_date(utcnow()).isoformat()}"' in page
    assert "CA$80.00" not in page and "CA$70.00" in page  # B2 paid on 07-02
