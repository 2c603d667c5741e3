"""A corporate invoice summarises its locations and details each, on the page and the PDF."""

from datetime import UTC, datetime

from billing.core.clock import period_ending_in
from billing.invoicing.drafting import draft_invoice
from billing.invoicing.issuing import issue_invoice
from tests.pdf.pdftext import pdf_text


def _issued_corporate_invoice(session, world):
    invoice = draft_invoice(session, world.customers["channel"], period_ending_in(2026, 5),
                            datetime(2026, 4, 26, 15, tzinfo=UTC))
    issue_invoice(session, invoice.id, datetime(2026, 4, 26, 16, tzinfo=UTC))
    session.commit()
    return invoice


def test_corporate_invoice_page_has_a_section_per_account(login_as, session, world):
    invoice = _issued_corporate_invoice(session, world)
    page = login_as("customer_admin").get(f"/customer/invoices/{invoice.id}").get_data(
        as_text=True)
    assert "Summary by account" in page
    assert page.count("AC-0101 Channel Customer Location") == 2  # summary and section
    assert page.count("$54.00") >= 4  # each account: 3 seats x 18.00, in summary and section


def test_corporate_invoice_pdf_details_each_account(login_as, session, world):
    invoice = _issued_corporate_invoice(session, world)
    text = pdf_text(login_as("customer_admin").get(f"/customer/invoices/{invoice.id}/pdf").data)
    assert "AC-0001 Channel Customer" in text and "AC-0101 Channel Customer Location" in text


def test_api_lists_the_sections(client, session, world):
    from billing.core.clock import utcnow
    from billing.parties import identity
    from tests.factories import approve

    invoice = _issued_corporate_invoice(session, world)
    approve(session, world.customers["channel"], world.partners["channel"])
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    body = client.get(f"/api/v1/invoices/{invoice.id}",
                      headers={"Authorization": f"Bearer {secret}"}).get_json()["data"]
    assert [s["account"]["account_number"] for s in body["sections"]] == ["AC-0001", "AC-0101"]
    assert sum(s["subtotal"]["minor"] for s in body["sections"]) == body["total"]["minor"]
