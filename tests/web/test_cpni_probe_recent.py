"""A probe of the newest surfaces (dashboards, invoice-number search, the invoice's
payments and credits, the exports, the API's number search, staff-only pages) by a
channel partner, an agency and a rebiller, each with one customer approving it and one
not, and by the customer admin of another account.

The not-approving customer's invoice carries amounts, a payment and a credit note found
nowhere else; none of them, nor a sum that includes them, may show on any answer to
whoever lacks its approval, and an object out of reach answers exactly as one that does
not exist.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing.core.clock import utcnow
from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.models import Invoice, InvoiceLine
from billing.parties import identity
from billing.payments.recording import Receipt, record_payment
from tests.factories import (
    NOW,
    another_period_end,
    approve,
    make_customer,
    make_invoice,
    recent_invoice,
)
from tests.pdf.pdftext import pdf_text
from tests.web.user_admin_helpers import post_action

SECRET_MINOR = 4_207_93
SHOWN_MINOR = 1_000_00
PAYMENT_REF = "PAYREF-SECRET-6612"
CREDIT_REF = "CREDIT-SECRET-3391"
# The withheld invoice's total, payment and credit (as en-US, de, the API and a workbook
# write them), what is left open, and sums with the approving customer's 1,000.00.
HIDDEN = ("4,207.93", "4.207,93", "4207.93", "420793", "613.29", "613,29", "61329",
          "42.17", "42,17", PAYMENT_REF, CREDIT_REF, "3,594.64", "3594.64", "359464",
          "5,207.93", "5207.93", "520793", "4,594.64", "4594.64")

# partner key: (the partner whose customer is withheld, who holds that customer's approval)
PARTNERS = {
    "channel": ("channel", "other"),  # approved only for another partner
    "agency": ("sub", "sub"),  # the sub-agent's customer, approved for the sub-agent only
    "wholesale": ("wholesale", None),  # a rebiller's end customer, never approved
}


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def _leaks(text: str) -> list[str]:
    text = _plain(text)
    return [marker for marker in HIDDEN if marker in text]


def _workbook_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "\n".join(book.read(name).decode() for name in book.namelist()
                         if name.endswith(".xml"))


def _secret_invoice(session, customer, number: str):
    """An invoice of `customer` with a payment and a credit note applied to it."""
    note = create_credit_note(session, customer=customer, amount_minor=42_17, currency="USD",
                              reason="goodwill", reference=CREDIT_REF, now=utcnow())
    note.remaining_minor = 0
    invoice = make_invoice(session, customer, number, period_end=another_period_end(),
                           amount_minor=SECRET_MINOR, status="draft")
    invoice.lines.append(InvoiceLine(position=3, kind="credit", description="Goodwill",
                                     credit_note_id=note.id, quantity=Decimal(1),
                                     unit_price=Decimal("-42.17"), amount_minor=-42_17))
    invoice.status, invoice.issue_date = "issued", (NOW - timedelta(days=7)).date()
    invoice.due_date = invoice.issue_date + timedelta(days=30)
    session.flush()
    received = datetime.now(UTC) - timedelta(days=2)
    record_payment(session, Receipt(currency="USD", amount_minor=613_29, received_at=received,
                                    method="wire", reference=PAYMENT_REF, source="staff",
                                    customer_id=customer.id, named_numbers=(number,)),
                   received)
    return invoice


@pytest.fixture
def book(session, world):
    """Per probing partner, its approving customer and its withheld customer's invoice."""
    made = {}
    for key, (owner, approved_for) in PARTNERS.items():
        partner = world.partners[key]
        approving = make_customer(session, f"AP-{key[:4].upper()}", f"Approving {key}",
                                  partner=partner)
        approve(session, approving, partner)
        recent_invoice(session, approving, number=f"PRB-{key[:2].upper()}-OK",
                       amount_minor=SHOWN_MINOR)
        secret = make_customer(session, f"SC-{key[:4].upper()}", f"Withheld {key}",
                               partner=world.partners[owner])
        if approved_for:
            approve(session, secret, world.partners[approved_for])
        made[key] = _secret_invoice(session, secret, f"PRB-{key[:2].upper()}-SECRET")
    session.commit()
    return made


def _get(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response


@pytest.mark.parametrize("key", PARTNERS)
def test_the_partner_pages_and_files_show_nothing_of_the_withheld_customer(
        login_as, book, key):
    invoice = book[key]
    client = login_as(f"{key}_admin")
    found = _get(client, f"/partner/invoices?q={invoice.number[:7].lower()}")
    assert invoice.number in found.get_data(as_text=True)  # the search reaches it
    answers = {
        "dashboard": _get(client, "/partner/").get_data(as_text=True),
        "search": found.get_data(as_text=True),
        "invoice": _get(client, f"/partner/invoices/{invoice.id}").get_data(as_text=True),
        "account": _get(client, f"/partner/customers/{invoice.customer_id}")
        .get_data(as_text=True),
        "csv": _get(client, f"/partner/invoices.csv?q={invoice.number}")
        .get_data(as_text=True),
        "workbook": _workbook_text(
            _get(client, f"/partner/invoices.xlsx?q={invoice.number}").data),
        "pdf": pdf_text(_get(client, f"/partner/invoices/{invoice.id}/pdf").data),
    }
    assert "withheld" in answers["csv"]
    assert {name: _leaks(text) for name, text in answers.items() if _leaks(text)} == {}


@pytest.mark.parametrize("key", PARTNERS)
def test_the_api_number_search_and_invoice_withhold_the_amounts(client, session, world,
                                                               book, key):
    invoice = book[key]
    _, secret = identity.create_api_token(session, user=world.users[f"{key}_admin"],
                                          name="probe", now=utcnow())
    session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    listed = _get(client, f"/api/v1/invoices?number={invoice.number.lower()}", **bearer)
    assert [row["number"] for row in listed.get_json()["data"]] == [invoice.number]
    one = _get(client, f"/api/v1/invoices/{invoice.id}", **bearer)
    assert "activity" not in one.get_json()["data"]
    for answer in (listed, one):
        assert _leaks(answer.get_data(as_text=True)) == []


def test_an_approved_partner_does_see_the_payment_and_credit(login_as, session, world, book):
    """The control: the same invoice, once its customer approves, shows what the probe
    searched for (so the searches above would find a leak)."""
    invoice = book["channel"]
    approve(session, invoice.customer, world.partners["channel"])
    session.commit()
    html = _plain(_get(login_as("channel_admin"), f"/partner/invoices/{invoice.id}")
                  .get_data(as_text=True))
    for marker in ("4,207.93", "613.29", PAYMENT_REF, CREDIT_REF):
        assert marker in html, marker


def test_another_customer_finds_nothing_and_reaches_nothing(login_as, book):
    invoice = book["channel"]
    client = login_as("other_customer")
    answers = [_get(client, "/customer/").get_data(as_text=True)]
    search = _get(client, f"/customer/invoices?q={invoice.number}").get_data(as_text=True)
    assert "No invoices match." in search
    answers += [search, _get(client, f"/customer/invoices.csv?q={invoice.number}")
                .get_data(as_text=True)]
    assert all(_leaks(text) == [] for text in answers)
    missing = client.get("/customer/invoices/999999")
    for url in (f"/customer/invoices/{invoice.id}", f"/customer/invoices/{invoice.id}/pdf"):
        answer = client.get(url)
        assert (answer.status_code, answer.data) == (404, missing.data), url
    absent = client.get("/customer/accounts/999999")
    other = client.get(f"/customer/accounts/{invoice.customer_id}")
    assert (other.status_code, other.data) == (404, absent.data)


@pytest.mark.parametrize("key", PARTNERS)
def test_another_partners_invoice_answers_as_a_missing_one(login_as, book, key):
    elsewhere = book["channel" if key != "channel" else "agency"]
    client = login_as(f"{key}_admin")
    for url in ("/partner/invoices/{}", "/partner/invoices/{}/pdf"):
        missing = client.get(url.format(999999))
        answer = client.get(url.format(elsewhere.id))
        assert (answer.status_code, answer.data) == (404, missing.data), url
    search = _get(client, f"/partner/invoices?q={elsewhere.number}").get_data(as_text=True)
    assert "No invoices match." in search and _leaks(search) == []


@pytest.mark.parametrize("key", ["channel_admin", "customer_admin"])
@pytest.mark.parametrize("url", ["/staff/dashboard", "/staff/runs/1/drafts"])
def test_staff_pages_are_not_found_for_partners_and_customers(login_as, key, url):
    assert login_as(key).get(url).status_code == 404


def _telecom_invoice(session, customer):
    """An issued invoice with a seat, 1,234 calls over 231.916667 minutes, and a tax."""
    end = another_period_end()
    invoice = Invoice(customer=customer, number="PRB-LINES-1", period_start=end - timedelta(30),
                      period_end=end, issue_date=end, due_date=end + timedelta(days=30),
                      status="issued", currency="USD", subtotal_minor=4_644, tax_minor=135,
                      total_minor=4_779, bill_to={"name": customer.name})
    invoice.lines = [
        InvoiceLine(position=1, kind="recurring", description="Voice seat (seat)",
                    quantity=Decimal(3), unit_price=Decimal("12.00"), rate_unit="month",
                    amount_minor=3_600),
        InvoiceLine(position=2, kind="usage", description="International calls to India",
                    call_type="international", quantity=Decimal("231.916667"),
                    unit_price=Decimal("0.045"), rate_unit="minute", call_count=1_234,
                    amount_minor=1_044),
        InvoiceLine(position=3, kind="tax", description="Colorado sales tax",
                    jurisdiction="US / CO", quantity=Decimal("46.44"),
                    unit_price=Decimal("0.029"), rate_unit="percent", amount_minor=135),
    ]
    session.add(invoice)
    session.flush()
    return invoice


# (not "1234": the provider's bank account number on the PDF holds it)
USAGE_TEXTS = ("1,234", "231.92", "231.916667", "0.0450", "0.045", "India", "$10.44",
               "international")


def test_a_billing_only_approval_shows_charges_but_no_calls_minutes_or_call_rates(
        client, login_as, session, world):
    """The line presenter's calls, minutes and per-minute rate columns are usage: a partner
    the customer approved for billing detail only sees the seat and the tax, never them."""
    customer = world.customers["channel"]
    approve(session, customer, world.partners["channel"], scope="billing")
    invoice = _telecom_invoice(session, customer)
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="probe", now=utcnow())
    session.commit()
    web = login_as("channel_admin")
    page = _plain(_get(web, f"/partner/invoices/{invoice.id}").get_data(as_text=True))
    document = _plain(pdf_text(_get(web, f"/partner/invoices/{invoice.id}/pdf").data))
    api = _get(client, f"/api/v1/invoices/{invoice.id}",
               Authorization=f"Bearer {secret}").get_json()["data"]
    for text in (page, document):
        assert "$12.00 / month" in text and "Colorado sales tax" in text
        assert [usage for usage in USAGE_TEXTS if usage in text] == []
    assert [line["kind"] for line in api["lines"]] == ["recurring", "tax"]
    assert api["usage_withheld"]["reason"] == "scope_billing_only"


@pytest.mark.parametrize("admin, audience, below", [
    ("agency_admin", "partner", "sub_admin"),  # an agency above a sub-agent
    ("customer_admin", "customer", "location_admin"),  # a corporate above its location
])
def test_an_admin_neither_lists_nor_changes_the_logins_of_the_tree_below(
        login_as, world, session, admin, audience, below):
    """Each admin manages the logins of its own partner or account: one higher in the
    tree reaches the ones below no more than a stranger's (the same 404 as no user)."""
    client = login_as(admin)
    target = world.users[below]
    assert target.email not in _get(client, f"/{audience}/users/").get_data(as_text=True)
    missing = post_action(client, audience, 999999, "deactivate")
    answer = post_action(client, audience, target.id, "deactivate")
    assert (answer.status_code, answer.data) == (404, missing.data)
    session.refresh(target)
    assert target.is_active
