"""An invoice past its due date with something collectible says "Overdue" wherever its
status shows: pages (a badge), API, CSV, invoice PDF, statement PDF and the dispute
form; a partner without the customer's CPNI approval sees the status, never an amount.
An invoice whose past-due remainder is all held by a dispute is not overdue.

The world's invoices (8,642.19, due 2026-03-28) are unpaid and long past due."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from billing.core.clock import provider_date, utcnow
from billing.disputes import filing
from billing.parties import identity
from tests.ageing_helpers import bill
from tests.factories import CPNI_MARKERS, make_tiers
from tests.pdf.pdftext import pdf_text

BADGE = '<span class="badge overdue">Overdue</span>'


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("key, url", [
    ("customer_admin", "/customer/invoices"), ("channel_admin", "/partner/invoices"),
    ("staff", "/staff/invoices")])
def test_invoice_lists_show_an_overdue_badge(login_as, world, key, url):
    page = _page(login_as(key), url)
    assert BADGE in page
    if key == "channel_admin":  # no approval: the status, not the amount
        assert not [m for m in CPNI_MARKERS if m in page]


@pytest.mark.parametrize("key, prefix", [("customer_admin", "/customer"),
                                         ("channel_admin", "/partner")])
def test_the_invoice_page_and_the_dispute_form_show_it(login_as, world, key, prefix):
    client = login_as(key)
    invoice = world.invoices["channel"]
    for url in (f"{prefix}/invoices/{invoice.id}", f"{prefix}/invoices/{invoice.id}/dispute"):
        page = _page(client, url)
        assert BADGE in page, url
        if key == "channel_admin":
            assert "8,642.19" not in page


def test_the_api_says_overdue_without_amounts_to_an_unapproved_partner(client, session, world):
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="overdue", now=utcnow())
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    invoice = world.invoices["channel"]
    listed = client.get("/api/v1/invoices", headers=headers).get_json()["data"]
    row = [r for r in listed if r["id"] == invoice.id][0]
    one = client.get(f"/api/v1/invoices/{invoice.id}", headers=headers).get_json()["data"]
    for data in (row, one):
        assert (data["standing"], data["overdue"]) == ("overdue", True)
        assert "total" not in data and "amount_due" not in data


def test_the_csv_says_overdue(login_as, world):
    text = _page(login_as("channel_admin"), "/partner/invoices.csv")
    rows = {r["invoice"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows[world.invoices["channel"].number]["standing"] == "overdue"
    assert rows[world.invoices["channel"].number]["total"] == ""


def test_the_invoice_pdf_says_overdue(login_as, world):
    response = login_as("customer_admin").get(
        f"/customer/invoices/{world.invoices['channel'].id}/pdf")
    assert "Status: Overdue" in " ".join(pdf_text(response.data).split())


def test_a_statement_shows_each_invoice_status_at_its_period_end(login_as, session, world):
    account = world.customers["channel"]
    bill(session, account, "OVD-APR", due=date(2026, 4, 10), amount=50_00,
         issued=date(2026, 4, 1))
    session.commit()
    response = login_as("customer_admin").get(
        f"/customer/accounts/{account.id}/statement.pdf?month=2026-04")  # 03-26 to 04-25
    text = " ".join(pdf_text(response.data).split())
    assert "Status at period end" in text and "Overdue" in text


def test_a_past_due_remainder_held_by_a_dispute_is_not_overdue(login_as, session, world):
    today = provider_date(utcnow())
    invoice = bill(session, world.customers["channel"], "OVD-HELD", amount=90_00,
                   due=today - timedelta(days=10))
    make_tiers(session)
    filing.file_dispute(session, invoice=invoice, user=world.users["customer_admin"],
                        reason="wrong_rate", description="All of it", amount_minor=90_00,
                        now=utcnow())
    session.commit()
    page = _page(login_as("customer_admin"), f"/customer/invoices/{invoice.id}")
    issued = '<dt>Status</dt><dd><span class="badge badge-issued">Issued</span></dd>'
    assert BADGE not in page and issued in page
