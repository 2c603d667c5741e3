"""An invoice's lines as a finance person reads them, on each audience's invoice page and
in its PDF: calls and rounded minutes, rates with currency and unit, a tax's base and
rate in their own columns, and the payments and credits applied to it. Withheld where
the customer has not approved the partner."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.models import Invoice, InvoiceLine
from billing.payments.recording import Receipt, record_payment
from tests.conftest import csrf_token
from tests.factories import another_period_end, approve
from tests.pdf.pdftext import pdf_text

NUMBER = "USD-2026-LN0001"
SHOWN = ("231.92 min", "1,234", "$0.0450 / min", "$12.00 / month", "$46.44", "2.9%")


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def telecom_invoice(session, world):
    customer = world.customers["channel"]
    end = another_period_end()
    note = create_credit_note(session, customer=customer, amount_minor=500, currency="USD",
                              reason="sla", reference="March outage", now=datetime.now(UTC))
    note.remaining_minor = 0
    invoice = Invoice(customer=customer, number=NUMBER, period_start=end - timedelta(days=30),
                      period_end=end, issue_date=end, due_date=end + timedelta(days=30),
                      status="issued", currency="USD", subtotal_minor=4644, tax_minor=135,
                      credit_minor=500, total_minor=4279, bill_to={"name": customer.name})
    invoice.lines = [
        InvoiceLine(position=1, kind="recurring", description="Voice seat (seat)",
                    quantity=Decimal(3), unit_price=Decimal("12.00"), rate_unit="month",
                    amount_minor=3600),
        InvoiceLine(position=2, kind="usage", description="International calls to India",
                    call_type="international", quantity=Decimal("231.916667"),
                    unit_price=Decimal("0.045"), rate_unit="minute", call_count=1234,
                    amount_minor=1044),
        InvoiceLine(position=3, kind="tax", description="Colorado sales tax",
                    jurisdiction="US / CO", quantity=Decimal("46.44"),
                    unit_price=Decimal("0.029"), rate_unit="percent", amount_minor=135),
        InvoiceLine(position=4, kind="credit", description=f"SLA credit {note.number}",
                    credit_note_id=note.id, quantity=Decimal(1), unit_price=Decimal("-5.00"),
                    amount_minor=-500),
    ]
    session.add(invoice)
    session.flush()
    received = datetime.combine(end + timedelta(days=5), datetime.min.time(), UTC)
    record_payment(session, Receipt(currency="USD", amount_minor=2000, received_at=received,
                                    method="wire", reference="WIRE-778", source="staff",
                                    customer_id=customer.id, named_numbers=(NUMBER,)),
                   received)
    session.commit()
    invoice.note_number = note.number
    return invoice


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return _plain(response.get_data(as_text=True))


def _assert_lines_read_well(html: str):
    for text in SHOWN:
        assert text in html, text
    assert "231.916667" not in html
    assert "$10.44" in html  # the amount as rated on the exact minutes


def test_customer_sees_calls_minutes_rates_and_tax_columns(login_as, telecom_invoice):
    client = login_as("customer_admin")
    html = _page(client, f"/customer/invoices/{telecom_invoice.id}")
    _assert_lines_read_well(html)
    for heading in ("Calls", "Tax base", "Rate"):
        assert f">{heading}</th>" in html


def test_customer_sees_the_payments_and_credits_applied(login_as, telecom_invoice):
    client = login_as("customer_admin")
    html = _page(client, f"/customer/invoices/{telecom_invoice.id}")
    activity = html[html.index("Payments and credits"):]
    assert "WIRE-778" in activity and "Wire transfer" in activity and "$20.00" in activity
    assert f"{telecom_invoice.note_number}: March outage" in activity
    assert "SLA credit" in activity and "$5.00" in activity


def test_german_page_formats_the_lines_the_german_way(login_as, world, session,
                                                      telecom_invoice):
    world.users["customer_admin"].locale = "de"
    session.commit()
    html = _page(login_as("customer_admin"), f"/customer/invoices/{telecom_invoice.id}")
    for text in ("231,92", "1.234", "0,0450 $", "12,00 $", "46,44 $", "2,9 %", "10,44 $"):
        assert text in html, text


def test_approved_partner_sees_the_same_lines(login_as, world, session, telecom_invoice):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    html = _page(login_as("channel_admin"), f"/partner/invoices/{telecom_invoice.id}")
    _assert_lines_read_well(html)
    assert "WIRE-778" in html


def test_partner_without_approval_sees_no_lines_payments_or_credits(login_as,
                                                                    telecom_invoice):
    html = _page(login_as("channel_admin"), f"/partner/invoices/{telecom_invoice.id}")
    for text in (*SHOWN, "$10.44", "WIRE-778", "March outage", "Payments and credits",
                 "$20.00", "$42.79"):
        assert text not in html, text


def test_staff_sees_lines_and_payments_once_a_purpose_is_stated(login_as, world,
                                                                telecom_invoice):
    client = login_as("staff")
    url = f"/staff/invoices/{telecom_invoice.id}"
    assert "WIRE-778" not in _page(client, url)
    account = f"/staff/customers/{world.customers['channel'].id}"
    client.post(f"{account}/cpni", data={"csrf_token": csrf_token(client, account),
                                         "purpose": "billing"})
    html = _page(client, url)
    _assert_lines_read_well(html)
    assert "WIRE-778" in html


def test_api_gives_call_count_unit_and_activity(client, world, session, telecom_invoice):
    from billing.core.clock import utcnow
    from billing.parties import identity

    approve(session, world.customers["channel"], world.partners["channel"])
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    body = client.get(f"/api/v1/invoices/{telecom_invoice.id}",
                      headers={"Authorization": f"Bearer {secret}"}).get_json()["data"]
    usage = next(line for line in body["lines"] if line["kind"] == "usage")
    assert (usage["quantity"], usage["call_count"], usage["rate_unit"]) == (
        "231.916667", 1234, "minute")
    assert [(e["kind"], e["amount"]["minor"]) for e in body["activity"]] == [
        ("credit", 500), ("payment", 2000)]


def test_pdf_has_the_same_columns(login_as, telecom_invoice):
    client = login_as("customer_admin")
    text = _plain(pdf_text(client.get(f"/customer/invoices/{telecom_invoice.id}/pdf").data))
    for expected in (*SHOWN, "$10.44", "Calls", "Tax base"):
        assert expected in text, expected
    assert "231.916667" not in text
