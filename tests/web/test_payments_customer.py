"""Customers see their own payments and receipts, nobody else's; partners see whether
their customers' invoices are paid, and amounts only with the customer's approval."""

import csv
import io
from datetime import timedelta

import pytest

from billing.core.clock import utcnow
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment
from tests.factories import approve
from tests.pdf.pdftext import pdf_text


def pay(session, world, key="channel", amount_minor=864219, reference="CHQ-555"):
    payment, _ = record_payment(session, Receipt(
        "USD", amount_minor, utcnow() - timedelta(days=1), "cheque", reference, "staff",
        customer_id=world.customers[key].id, external_id=f"test:{key}:{reference}"), utcnow())
    session.commit()
    return payment


@pytest.mark.parametrize("user", ["customer_admin", "customer_user"])
def test_the_customer_sees_its_payment_history_with_refunds(login_as, session, world, user):
    payment = pay(session, world, amount_minor=900000)
    refund_payment(session, payment.id, 10000, utcnow(), reason="Overpaid")
    session.commit()
    page = login_as(user).get("/customer/payments").get_data(as_text=True)
    assert "CHQ-555" in page and "$9,000.00" in page and "Cheque" in page
    assert world.invoices["channel"].number in page and "$8,642.19" in page
    assert "Refund" in page and "$100.00" in page
    assert f"/customer/payments/{payment.id}/receipt.pdf" in page


def test_another_accounts_payments_are_not_found(login_as, session, world):
    theirs = pay(session, world, key="other", reference="OTHER-REF-9")
    client = login_as("customer_admin")
    assert "OTHER-REF-9" not in client.get("/customer/payments").get_data(as_text=True)
    assert client.get(f"/customer/payments/{theirs.id}/receipt.pdf").status_code == 404
    assert client.get("/customer/payments/999999/receipt.pdf").status_code == 404
    invoice = world.invoices["other"].id
    assert client.get(f"/customer/payments?invoice={invoice}").status_code == 404


def test_the_invoice_page_links_to_the_payments_on_it(login_as, session, world):
    pay(session, world, amount_minor=100000)
    client = login_as("customer_admin")
    invoice = world.invoices["channel"]
    page = client.get(f"/customer/invoices/{invoice.id}").get_data(as_text=True)
    # Part paid, and past its due date in March 2026: overdue.
    assert "Payments on this invoice" in page and ">Overdue<" in page
    listed = client.get(f"/customer/payments?invoice={invoice.id}").get_data(as_text=True)
    assert "CHQ-555" in listed and "$1,000.00" in listed


def test_the_receipt_pdf_shows_the_amount_and_invoices(login_as, session, world):
    payment = pay(session, world)
    response = login_as("customer_admin").get(f"/customer/payments/{payment.id}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "$8,642.19" in text and world.invoices["channel"].number in text


AMOUNT = "8,642.19"


def partner_surfaces(client, invoice) -> dict[str, str]:
    return {
        "list": client.get("/partner/invoices").get_data(as_text=True),
        "page": client.get(f"/partner/invoices/{invoice.id}").get_data(as_text=True),
        "pdf": pdf_text(client.get(f"/partner/invoices/{invoice.id}/pdf").data),
        "csv": client.get("/partner/invoices.csv").get_data(as_text=True),
    }


def test_a_partner_without_approval_sees_paid_and_no_amount(login_as, session, world):
    pay(session, world)
    invoice = world.invoices["channel"]
    surfaces = partner_surfaces(login_as("channel_admin"), invoice)
    for name, text in surfaces.items():
        assert AMOUNT not in text and "CHQ-555" not in text, name
    rows = {r["invoice"]: r for r in csv.DictReader(io.StringIO(surfaces["csv"]))}
    assert rows[invoice.number]["standing"] == "paid"
    assert rows[invoice.number]["cpni"] == "withheld"
    assert ">Paid<" in surfaces["list"] and ">Paid<" in surfaces["page"]
    assert "Status: Paid" in surfaces["pdf"]


def test_a_partner_sees_partly_paid_and_overdue(login_as, session, world):
    pay(session, world, amount_minor=100)
    client = login_as("channel_admin")
    listing = client.get("/partner/invoices").get_data(as_text=True)
    # The channel's invoice, due in March 2026, is past due and still owes: overdue.
    assert ">Overdue<" in listing and "$1.00" not in listing


def test_a_partner_with_approval_sees_the_amount_paid(login_as, session, world):
    pay(session, world, amount_minor=100000)
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    invoice = world.invoices["channel"]
    page = login_as("channel_admin").get(f"/partner/invoices/{invoice.id}").get_data(
        as_text=True)
    assert "$1,000.00" in page
