"""What a finance team looks for on an invoice PDF, read from the file: who issued it and
to whom (both VAT numbers), how to pay it in its currency, what the account owes, and
the reverse-charge note exactly where it applies.

The account: a German business (VAT number DE123456789) billed in EUR by a provider
established in Ireland. Its first invoice (1,000.00) was issued 40 days ago and 400.00
of it paid 20 days ago; the second (1,000.00) is issued now.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from billing.core.money import Money
from billing.invoicing.balance import account_summary
from billing.invoicing.issuing import issue_invoice
from billing.invoicing.models import InvoiceLine
from billing.payments.recording import Receipt, record_payment
from portal.config import EXAMPLE_REMIT_TO
from portal.invoicing.viewer import Viewer
from reports.documents import DocumentSettings, invoice_document
from tests.factories import NOW, approve, make_customer, make_invoice
from tests.pdf.pdftext import pdf_text

REVERSE_CHARGE = "Reverse charge"
EUR_IBAN = EXAMPLE_REMIT_TO["EUR"]["iban"]
USD_ACCOUNT = EXAMPLE_REMIT_TO["USD"]["account_number"]


@pytest.fixture
def settings(tmp_path):
    return DocumentSettings("Northwind Unified Communications", "Denver", tmp_path / "pdf",
                            provider_vat_number="IE9876543WA", provider_country="IE",
                            remit_to=EXAMPLE_REMIT_TO, pay_online_base="https://billing.test")


def _issue(session, customer, period_end: date, at, vat_minor: int = 0):
    draft = make_invoice(session, customer, None, status="draft", period_end=period_end,
                         amount_minor=1_000_00)
    if vat_minor:
        draft.lines.append(InvoiceLine(position=3, kind="tax", description="MwSt. 19%",
                                       jurisdiction="DE", quantity=Decimal("1000"),
                                       unit_price=Decimal("0.19"), amount_minor=vat_minor))
        draft.tax_minor, draft.total_minor = vat_minor, draft.total_minor + vat_minor
    session.flush()
    return issue_invoice(session, draft.id, at)


def _german(session, partner=None, **extra):
    values = dict(country="DE", city="München", region=None, postal_code="80331",
                  currency="EUR", locale="de", vat_number="DE123456789")
    values.update(extra)
    return make_customer(session, "AC-DE-0001", "Brauhaus Beispiel GmbH", partner, **values)


@pytest.fixture
def german(session):
    customer = _german(session)
    _issue(session, customer, date(2026, 1, 25), NOW - timedelta(days=40))
    paid_at = NOW - timedelta(days=20)
    record_payment(session, Receipt(currency="EUR", amount_minor=400_00, received_at=paid_at,
                                    method="wire", reference="WIRE-DE-1", source="staff",
                                    customer_id=customer.id), paid_at)
    invoice = _issue(session, customer, date(2026, 2, 25), NOW)
    session.commit()
    return invoice


def _text(session, world, invoice, settings, *, user="staff", locale="en_US") -> str:
    user = world.users[user]
    viewer = Viewer(user, {invoice.customer_id: "billing"} if user.is_staff else {})
    data = invoice_document(session, viewer, invoice, locale=locale, now=NOW,
                            settings=settings)
    return " ".join(pdf_text(data).split())


def _amount(minor: int, locale: str = "en_US") -> str:
    return format_currency(Money(minor, "EUR").major, "EUR", locale=locale)


def test_both_vat_numbers_and_the_eur_bank_details_are_printed(session, world, german,
                                                                settings):
    text = _text(session, world, german, settings)
    assert "VAT number IE9876543WA" in text  # the provider's
    assert "VAT number DE123456789" in text  # the customer's, under its address
    assert text.index("München") < text.index("DE123456789")
    assert EUR_IBAN in text and EXAMPLE_REMIT_TO["EUR"]["bic"] in text
    assert USD_ACCOUNT not in text  # another currency's account
    assert f"Reference {german.number}" in text
    assert f"https://billing.test/customer/pay?invoice={german.id}" in text


def test_the_account_summary_is_the_balance_modules(session, world, german, settings):
    text = _text(session, world, german, settings)
    summary = account_summary(session, german, NOW.date())
    assert (summary.previous_minor, summary.payments_minor, summary.charges_minor,
            summary.due_minor) == (1_000_00, 400_00, 1_000_00, 1_600_00)
    assert "Account summary" in text
    assert f"Previous balance {_amount(1_000_00)}" in text
    assert f"Payments received −{_amount(400_00)}" in text
    assert f"Charges on this invoice {_amount(1_000_00)}" in text
    assert f"Total amount due on the account {_amount(1_600_00)}" in text


def test_the_summary_speaks_the_locale(session, world, german, settings):
    text = _text(session, world, german, settings, locale="de").replace("\xa0", " ")
    assert _amount(1_600_00, "de").replace("\xa0", " ") in text  # 1.600,00 €


def test_a_cross_border_business_without_vat_gets_the_reverse_charge_note(
        session, world, german, settings):
    text = _text(session, world, german, settings)
    assert REVERSE_CHARGE in text and "Article 196 of Council Directive 2006/112/EC" in text


def test_no_note_when_the_invoice_charges_vat(session, world, settings):
    customer = _german(session)
    invoice = _issue(session, customer, date(2026, 2, 25), NOW, vat_minor=190_00)
    session.commit()
    assert REVERSE_CHARGE not in _text(session, world, invoice, settings)


@pytest.mark.parametrize("account", [
    {"vat_number": None},  # no VAT number: not identified as a business there
    {"country": "IE", "vat_number": "IE1234567FA"},  # the provider's own country
    {"country": "US", "vat_number": None, "region": "CO"},  # outside the EU
])
def test_no_note_where_it_does_not_apply(session, world, settings, account):
    customer = _german(session, **account)
    invoice = _issue(session, customer, date(2026, 2, 25), NOW)
    session.commit()
    assert REVERSE_CHARGE not in _text(session, world, invoice, settings)


def test_an_issued_invoice_keeps_the_vat_number_it_was_issued_with(session, world, german,
                                                                   settings):
    german.customer.vat_number = "DE999999999"
    session.commit()
    text = _text(session, world, german, settings, locale="fr")
    assert "DE123456789" in text and "DE999999999" not in text


def test_an_unapproved_partner_sees_who_but_no_figures_or_bank_details(session, world,
                                                                      settings):
    customer = _german(session, world.partners["channel"])
    invoice = _issue(session, customer, date(2026, 2, 25), NOW)
    session.commit()
    text = _text(session, world, invoice, settings, user="channel_admin")
    assert "DE123456789" in text and "Charges withheld" in text
    for hidden in ("Account summary", EUR_IBAN, REVERSE_CHARGE, _amount(1_000_00)):
        assert hidden not in text, hidden
    approve(session, customer, world.partners["channel"])
    session.commit()
    text = _text(session, world, invoice, settings, user="channel_admin")
    assert "Account summary" in text and REVERSE_CHARGE in text
