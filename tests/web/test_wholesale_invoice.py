"""A rebiller's wholesale invoice: the rebiller sees its own bill, and each end customer's
section only as that end customer's CPNI approval allows, on the page, API and PDF."""

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from billing.core.clock import period_ending_in, utcnow
from billing.cpni.models import CpniDisclosure
from billing.invoicing.drafting import draft_invoice
from billing.invoicing.issuing import issue_invoice
from billing.parties import identity
from tests.factories import REBILLED_MARKER, add_rebiller_books, approve
from tests.pdf.pdftext import pdf_text

MAY = period_ending_in(2026, 5)
# The Texan end customer's wholesale section: 10 seats x 12.60 = 126.00, tax 7.88.
TEXAN_AMOUNTS = ("126.00", "7.88", "133.88")


@pytest.fixture
def wholesale_invoice(session, world):
    rebiller = add_rebiller_books(session, world)
    invoice = draft_invoice(session, rebiller.account, MAY, datetime(2026, 4, 26, tzinfo=UTC))
    issue_invoice(session, invoice.id, datetime(2026, 4, 26, 1, tzinfo=UTC))
    # The Colorado end customer approved the rebiller; the Texan one did not.
    approve(session, world.customers["wholesale"], world.partners["wholesale"])
    session.commit()
    return invoice, rebiller


def _disclosed(session):
    return sorted(session.scalars(select(CpniDisclosure.customer_id)))


def _assert_texan_withheld(text):
    assert REBILLED_MARKER not in text
    for amount in TEXAN_AMOUNTS:
        assert amount not in text, amount


def test_the_rebiller_sees_its_bill_and_only_approved_end_customers_detail(
        login_as, session, world, wholesale_invoice):
    invoice, rebiller = wholesale_invoice
    page = login_as("wholesale_admin").get(f"/partner/invoices/{invoice.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "AC-0006 Wholesale Customer" in text and "37.80" in text  # 3 seats x 12.60
    assert "AC-0200 Lone Star Dental" in text  # named, with its detail withheld
    assert "has not approved your access to its CPNI" in text
    _assert_texan_withheld(text)
    assert "Rebill Voice" not in text  # the provider bills the rebiller, unbranded
    assert f"{invoice.total_minor / 100:,.2f}" in text  # its own total: it must pay it
    assert _disclosed(session) == [world.customers["wholesale"].id]


def test_the_pdf_and_api_withhold_the_same_section(client, login_as, session, world,
                                                   wholesale_invoice):
    invoice, rebiller = wholesale_invoice
    pdf = pdf_text(login_as("wholesale_admin").get(f"/partner/invoices/{invoice.id}/pdf").data)
    assert "AC-0006" in pdf and "AC-0200" in pdf
    _assert_texan_withheld(pdf)
    _, secret = identity.create_api_token(session, user=world.users["wholesale_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    body = client.get(f"/api/v1/invoices/{invoice.id}",
                      headers={"Authorization": f"Bearer {secret}"}).get_json()["data"]
    sections = {s["account"]["account_number"]: s for s in body["sections"]}
    assert sections["AC-0200"]["lines"] == []
    assert sections["AC-0200"]["cpni_withheld"]["reason"] == "no_approval"
    assert "subtotal" not in sections["AC-0200"]
    assert sections["AC-0006"]["subtotal"]["minor"] == 3780 + 110  # seats and CO sales tax
    _assert_texan_withheld(str(body))


def test_once_the_texan_approves_its_section_shows(login_as, session, world,
                                                   wholesale_invoice):
    invoice, rebiller = wholesale_invoice
    approve(session, rebiller.end_customer, world.partners["wholesale"])
    session.commit()
    text = login_as("wholesale_admin").get(f"/partner/invoices/{invoice.id}").get_data(
        as_text=True)
    assert REBILLED_MARKER in text and "133.88" in text
    assert _disclosed(session) == sorted([world.customers["wholesale"].id,
                                          rebiller.end_customer.id])


def test_other_partners_and_end_customers_cannot_reach_the_wholesale_invoice(
        login_as, wholesale_invoice):
    invoice, _ = wholesale_invoice
    assert login_as("channel_admin").get(f"/partner/invoices/{invoice.id}").status_code == 404
    assert login_as("customer_admin").get(f"/customer/invoices/{invoice.id}").status_code == 404


def test_an_end_customers_retail_invoice_carries_the_rebillers_brand(
        login_as, session, world, wholesale_invoice):
    invoice = draft_invoice(session, world.customers["wholesale"], MAY,
                            datetime(2026, 4, 26, tzinfo=UTC))
    issue_invoice(session, invoice.id, datetime(2026, 4, 26, 1, tzinfo=UTC))
    session.commit()
    pdf = pdf_text(login_as("wholesale_admin").get(f"/partner/invoices/{invoice.id}/pdf").data)
    assert "Rebill Voice" in pdf and "54.00" in pdf  # its contract price, 3 x 18.00


def test_a_dispute_of_the_wholesale_invoice_follows_each_sections_approval(
        app, client, session, world, wholesale_invoice, monkeypatch):
    """Over the API the rebiller cannot choose, or read back, the lines of an end
    customer who has not approved it; disputing an approved one's line logs that end
    customer's disclosure, and no one else's."""
    from billing.invoicing.models import InvoiceLine
    from tests.factories import make_tiers

    invoice, rebiller = wholesale_invoice
    make_tiers(session)
    session.commit()
    monkeypatch.setitem(app.config, "DISPUTE_WINDOW_DAYS", 10_000)  # issued in April
    lines = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id,
                                                      InvoiceLine.kind == "recurring")).all()
    texan = next(line for line in lines if line.sub_account_id == rebiller.end_customer.id)
    approved = next(line for line in lines
                    if line.sub_account_id == world.customers["wholesale"].id)
    _, secret = identity.create_api_token(session, user=world.users["wholesale_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"invoice_id": invoice.id, "reason": "wrong_rate", "description": "Seat price",
            "amount": "10.00"}
    refused = client.post("/api/v1/disputes", headers=headers,
                          json=dict(body, line_ids=[texan.id]))
    # 403 (no approval to choose lines) or 409 (not a line it may choose): never shown
    assert refused.status_code in (403, 409)
    assert REBILLED_MARKER not in refused.get_data(as_text=True)
    before = Counter(_disclosed(session))
    filed = client.post("/api/v1/disputes", headers=headers,
                        json=dict(body, line_ids=[approved.id]))
    assert filed.status_code == 201, filed.get_data(as_text=True)
    assert len(filed.get_json()["data"]["lines"]) == 1
    assert REBILLED_MARKER not in filed.get_data(as_text=True)
    added = Counter(_disclosed(session)) - before
    assert rebiller.end_customer.id not in added
    assert added[world.customers["wholesale"].id] == 1


def test_the_rebillers_own_bill_is_summed_per_service_on_every_surface(
        client, login_as, session, world, wholesale_invoice):
    invoice, rebiller = wholesale_invoice
    partner = login_as("wholesale_admin")
    page = partner.get(f"/partner/invoices/{invoice.id}").get_data(as_text=True)
    # 3 seats for the approved Coloradan + 10 for the Texan, 12.60 each: 163.80 in all,
    # the rebiller's own bill, shown whatever the Texan approved; the Texan's section
    # still withholds its detail.
    assert "Bill by service" in page and "the rebiller's own bill" in page
    assert "Voice seat" in page and "163.80" in page
    _assert_texan_withheld(page.replace("163.80", ""))
    pdf = pdf_text(partner.get(f"/partner/invoices/{invoice.id}/pdf").data)
    assert "Bill by service" in pdf and "163.80" in pdf
    _, secret = identity.create_api_token(session, user=world.users["wholesale_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    body = client.get(f"/api/v1/invoices/{invoice.id}",
                      headers={"Authorization": f"Bearer {secret}"}).get_json()["data"]
    seats = [row for row in body["own_bill"] if row["name"] == "Voice seat"]
    assert [(row["quantity"], row["amount"]["minor"]) for row in seats] == [("13", 16380)]
    assert REBILLED_MARKER not in str(body["own_bill"])
