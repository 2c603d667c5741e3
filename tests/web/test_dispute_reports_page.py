"""The dispute reports page: billing staff only, server-drawn charts, CSV downloads that
a spreadsheet cannot turn into formulas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from billing.core.clock import utcnow
from billing.disputes import filing, steps
from tests.conftest import login
from tests.factories import make_billing_staff, make_customer, make_tiers, recent_invoice

URL = "/staff/dispute-reports"


@pytest.fixture
def book(world, session):
    """One overdue dispute of a customer whose name looks like a formula; one settled
    with a full credit of 120.00 USD four days ago."""
    make_tiers(session)
    now = utcnow()
    sly = make_customer(session, "AC-0400", "=HYPERLINK(\"http://x.test\")",
                        partner=world.partners["channel"])
    invoice = recent_invoice(session, sly, issued_on=(now - timedelta(days=30)).date())
    settled_invoice = recent_invoice(session, world.customers["channel"],
                                     issued_on=(now - timedelta(days=30)).date())
    session.commit()
    filer = world.users["channel_admin"]
    filing.file_dispute(session, invoice=invoice, user=filer, reason="tax",
                        description="Tax charged twice.", amount_minor=2_500,
                        now=now - timedelta(days=12))
    settled = filing.file_dispute(
        session, invoice=settled_invoice, user=world.users["customer_admin"],
        reason="wrong_rate", description="List rate billed.", amount_minor=12_000,
        now=now - timedelta(days=5)).dispute
    steps.settle(session, settled.id, world.users["staff"], outcome="full",
                 now=now - timedelta(days=4))
    session.commit()


def rows_of(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_billing_staff_see_every_report_with_its_chart(login_as, book):
    client = login_as("staff")
    response = client.get(URL)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for chart in ("chart-open", "chart-resolution", "chart-credits-USD"):
        assert f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart}"' in page
    assert "D-" in page and "AC-0400" in page  # the overdue dispute
    assert "$120.00" in page and "Wrong rate" in page  # the credit
    assert "from filing to its latest settlement" in page  # the definition is stated
    assert "<script" not in page and "style=" not in page
    assert 'href="/staff/dispute-reports"' in page  # the staff menu links here


def test_the_period_filter_leaves_out_older_settlements(login_as, book):
    client = login_as("staff")
    credits = rows_of(client.get(f"{URL}/credits.csv?days=30"))
    assert credits[1:] == [["Wrong rate", "USD", "1", "120.00"]]
    assert client.get(f"{URL}?days=365").status_code == 200
    assert client.get(f"{URL}?days=7").status_code == 400
    assert client.get(f"{URL}/everything.csv").status_code == 404


def test_csv_downloads_hold_each_table(login_as, book):
    client = login_as("staff")
    open_rows = rows_of(client.get(f"{URL}/open.csv"))
    assert open_rows[0][:3] == ["Tier", "Tier name", "Age"]
    # One dispute's sum would tell that customer's amount: left blank.
    assert open_rows[1:] == [["1", "Billing specialist", "11–30 days", "USD", "1", ""]]
    resolution = rows_of(client.get(f"{URL}/resolution.csv"))
    assert [row[:3] for row in resolution[1:]] == [["1", "Billing specialist", "1"]]
    overdue = rows_of(client.get(f"{URL}/overdue.csv"))
    assert len(overdue) == 2 and overdue[1][3] == "AC-0400"
    assert float(overdue[1][6]) > 0


def test_a_cell_that_looks_like_a_formula_is_quoted(login_as, book):
    overdue = rows_of(login_as("staff").get(f"{URL}/overdue.csv"))
    assert overdue[1][4] == "'=HYPERLINK(\"http://x.test\")"


@pytest.mark.parametrize("path", [URL, f"{URL}/open.csv"])
def test_anyone_but_billing_staff_gets_404(client, world, session, path):
    admin = make_billing_staff(session, "admin", "admin@staff.test")
    session.commit()
    login(client, admin)
    assert client.get(path).status_code == 404
    menu = client.get("/staff/")
    assert menu.status_code == 200
    assert 'href="/staff/dispute-reports"' not in menu.get_data(as_text=True)


def test_a_partner_gets_404(login_as, book):
    assert login_as("channel_admin").get(URL).status_code == 404
