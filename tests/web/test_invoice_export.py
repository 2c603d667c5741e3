"""The invoice list as CSV: the list's filters, amounts only where CPNI is visible, each
export logged as a disclosure, and cells that cannot run as spreadsheet formulas."""

import csv
import io

from sqlalchemy import select

from billing.cpni.models import CpniDisclosure
from tests.factories import approve


def _rows(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_a_partner_without_approval_gets_the_invoices_without_amounts(login_as, world, session):
    rows = _rows(login_as("channel_admin").get("/partner/invoices.csv"))
    channel = next(r for r in rows if r["invoice"] == world.invoices["channel"].number)
    assert channel["cpni"] == "withheld" and channel["total"] == "" and channel["paid"] == ""
    assert channel["account"] == world.customers["channel"].account_number
    assert world.invoices["other"].number not in {r["invoice"] for r in rows}
    assert session.scalars(select(CpniDisclosure)).all() == []


def test_with_approval_the_amounts_come_and_the_export_is_logged(login_as, world, session):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    rows = _rows(login_as("channel_admin").get("/partner/invoices.csv?status=issued"))
    channel = next(r for r in rows if r["invoice"] == world.invoices["channel"].number)
    assert (channel["cpni"], channel["total"], channel["amount_due"]) == (
        "shown", "8642.19", "8642.19")
    # The corporate's approval covers its location, whose invoice is in the list too.
    logged = session.scalars(select(CpniDisclosure)).all()
    assert sorted((d.customer_id, d.surface) for d in logged) == sorted(
        (world.customers[key].id, "export") for key in ("channel", "location"))


def test_cells_that_look_like_formulas_are_defused(login_as, world, session):
    world.customers["channel"].name = "=HYPERLINK(\"http://evil.test\")"
    session.commit()
    rows = _rows(login_as("customer_admin").get("/customer/invoices.csv"))
    assert "'=HYPERLINK(\"http://evil.test\")" in {r["account_name"] for r in rows}
    assert rows[0]["cpni"] == "shown"  # a customer sees its own amounts


def test_filters_are_checked_like_the_list_page(login_as):
    response = login_as("channel_admin").get("/partner/invoices.csv?status=bogus")
    assert response.status_code == 400
