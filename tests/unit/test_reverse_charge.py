"""The reverse-charge note: only for a business in another EU member state, identified
there by its VAT number, on an invoice that charges no VAT."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.invoicing.models import Invoice, InvoiceLine
from billing.invoicing.reverse_charge import (
    invoice_reverse_charge,
    reverse_charge_applies,
    vat_charged_minor,
)


def applies(**given) -> bool:
    values = dict(provider_country="IE", customer_country="DE", vat_number="DE123456789",
                  vat_charged_minor=0)
    values.update(given)
    return reverse_charge_applies(**values)


def test_a_german_business_billed_from_ireland_without_vat_gets_the_note():
    assert applies()


def test_a_us_provider_billing_an_eu_business_without_vat_gets_the_note():
    assert applies(provider_country="US")


@pytest.mark.parametrize("given", [
    {"customer_country": "IE", "vat_number": "IE1234567FA"},  # same country as the provider
    {"customer_country": "US", "vat_number": "DE123456789"},  # not in the EU
    {"customer_country": "GB", "vat_number": "GB123456789"},  # no longer in the EU
    {"vat_number": None},  # a consumer, or a business without a number
    {"vat_number": "DE12345"},  # not a VAT number
    {"vat_number": "FR40303265045"},  # issued by another member state
    {"vat_charged_minor": 19_00},  # VAT was charged after all
    {"customer_country": None},
])
def test_otherwise_no_note(given):
    assert not applies(**given)


def test_country_codes_are_compared_whatever_their_case():
    assert not applies(provider_country="de", customer_country="DE")
    assert applies(customer_country="de", vat_number="de 123456789")


def test_greece_is_identified_by_el():
    assert applies(customer_country="GR", vat_number="EL123456789")


def _line(kind, amount_minor, jurisdiction=None):
    return InvoiceLine(kind=kind, description=kind, quantity=Decimal(1),
                       unit_price=Decimal(0), amount_minor=amount_minor,
                       jurisdiction=jurisdiction)


def test_only_tax_lines_of_eu_jurisdictions_count_as_vat():
    lines = [_line("recurring", 100_00), _line("tax", 19_00, "DE"),
             _line("tax", 5_00, "FR / Paris"), _line("tax", 7_00, "US / CO"),
             _line("fee", 3_00, "DE")]
    assert vat_charged_minor(lines) == 24_00


def test_an_invoice_is_judged_on_its_snapshot_of_the_customer():
    invoice = Invoice(lines=[_line("recurring", 100_00), _line("fee", 1_00, "DE")])
    german = {"country": "DE", "vat_number": "DE123456789"}
    assert invoice_reverse_charge(invoice, german, "US")
    assert not invoice_reverse_charge(invoice, {"country": "DE"}, "US")
    invoice.lines.append(_line("tax", 19_00, "DE"))
    assert not invoice_reverse_charge(invoice, german, "US")
