"""The invoice page shows one coherent set of figures, all from the balance module:
total, credits, paid, what disputes hold, and one amount due."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from billing.core.clock import utcnow
from billing.disputes import filing
from billing.invoicing import balance
from tests.factories import approve, make_tiers, recent_invoice

DUE_ROW = re.compile(r'<tr class="grand due">.*?<td class="num">([^<]+)</td></tr>', re.S)


def dollars(minor: int) -> str:
    return format_currency(Decimal(minor) / 100, "USD", locale="en_US")


@pytest.fixture
def disputed(world, session):
    """A recent invoice of $8,642.19 of the channel customer, $2,000.00 of it paid and
    $1,250.50 of it in an open dispute."""
    make_tiers(session)
    invoice = recent_invoice(session, world.customers["channel"])
    invoice.paid_minor, invoice.status = 200_000, "partially_paid"
    filing.file_dispute(session, invoice=invoice, user=world.users["customer_admin"],
                          reason="wrong_rate", description="Seats at the old rate",
                          amount_minor=125_050, now=utcnow())
    session.commit()
    return invoice


def test_the_customer_invoice_page_shows_one_amount_due_from_the_balance(
        login_as, session, disputed):
    html = login_as("customer_admin").get(f"/customer/invoices/{disputed.id}").get_data(
        as_text=True)
    owed = balance.invoice_balance(session, disputed, utcnow())
    assert (owed.held_minor, owed.due_minor) == (125_050, 864_219 - 200_000 - 125_050)
    assert html.count("Amount due") == 1
    assert DUE_ROW.findall(html) == [dollars(owed.due_minor)]
    assert dollars(owed.open_minor) not in html  # the amount due before disputes is not shown
    for label, minor in [("Total", owed.total_minor), ("Paid", owed.paid_minor),
                         ("Disputed (held)", owed.held_minor)]:
        assert re.search(rf">{re.escape(label)}</td><td class=\"num\">"
                         rf"{re.escape(dollars(minor))}<", html), label


def test_without_a_dispute_the_amount_due_is_what_is_unpaid(login_as, session, world):
    invoice = recent_invoice(session, world.customers["channel"])
    session.commit()
    html = login_as("customer_admin").get(f"/customer/invoices/{invoice.id}").get_data(
        as_text=True)
    assert "Disputed (held)" not in html and html.count("Amount due") == 1
    assert DUE_ROW.findall(html) == [dollars(864_219)]


def test_a_partner_with_approval_sees_the_same_amount_due(login_as, session, world, disputed):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    html = login_as("channel_admin").get(f"/partner/invoices/{disputed.id}").get_data(
        as_text=True)
    assert DUE_ROW.findall(html) == [dollars(864_219 - 200_000 - 125_050)]


def test_a_partner_without_approval_sees_no_amount_due_nor_what_is_held(
        login_as, session, disputed):
    html = login_as("channel_admin").get(f"/partner/invoices/{disputed.id}").get_data(
        as_text=True)
    assert "Amount due" not in html and "Disputed (held)" not in html
    for minor in (864_219 - 200_000 - 125_050, 125_050, 200_000, 864_219):
        assert dollars(minor) not in html


def test_the_invoice_pdf_shows_the_same_held_amount_and_amount_due_as_the_page(
        login_as, session, disputed):
    from tests.pdf.pdftext import pdf_text

    response = login_as("customer_admin").get(f"/customer/invoices/{disputed.id}/pdf")
    text = pdf_text(response.data)
    owed = balance.invoice_balance(session, disputed, utcnow())
    assert "Disputed (held)" in text and dollars(owed.held_minor) in text
    assert "Amount due without the disputed amount" in text
    assert dollars(owed.due_minor) in text
    assert dollars(owed.open_minor) not in text


def test_invoice_pages_render_from_dicts_never_orm_objects(app, login_as, session, world,
                                                          disputed):
    from tests.web.test_sla_requests import orm_in_templates

    with orm_in_templates(app) as seen:
        for who, base in [("customer_admin", "/customer"), ("channel_admin", "/partner")]:
            client = login_as(who)
            assert client.get(f"{base}/invoices").status_code == 200
            assert client.get(f"{base}/invoices/{disputed.id}").status_code == 200
    invoice_pages = [(name, found) for name, found in seen if name.startswith("invoicing/")]
    assert {name for name, _ in invoice_pages} >= {
        "invoicing/customer_invoices.html", "invoicing/customer_invoice.html",
        "invoicing/partner_invoices.html", "invoicing/partner_invoice.html"}
    for name, found in invoice_pages:
        assert found == [], name


def test_account_pages_and_lists_render_from_dicts_never_orm_objects(app, login_as, session,
                                                                    world):
    from tests.web.test_sla_requests import orm_in_templates

    corporate, location = world.customers["channel"], world.customers["location"]
    with orm_in_templates(app) as seen:
        partner = login_as("channel_admin")
        assert partner.get("/partner/customers").status_code == 200
        assert partner.get(f"/partner/customers/{corporate.id}").status_code == 200
        assert partner.get(f"/partner/customers/{location.id}").status_code == 200
        staff = login_as("staff")
        assert staff.get(f"/staff/customers/{location.id}").status_code == 200
    pages = [(name, found) for name, found in seen if name.startswith("parties/")]
    assert {name for name, _ in pages} >= {"parties/partner_customers.html",
                                           "parties/partner_customer.html",
                                           "parties/staff_customer.html"}
    for name, found in pages:
        assert found == [], name
