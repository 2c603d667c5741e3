"""When an invoice must say that its recipient accounts for the VAT (the reverse charge).

A business customer established in an EU member state other than the provider's, and
identified there by a VAT number, receives our services without VAT: the customer
accounts for it (Article 196 of Council Directive 2006/112/EC). Such an invoice must
carry a note saying so. The note applies only when all of these hold:

  - the customer's country is an EU member state, and not the provider's country;
  - the customer has a VAT number, well formed, issued by that same member state;
  - the invoice charges no VAT (no tax line of an EU member state's jurisdiction).

An invoice that does charge VAT never carries the note, whatever the account says: the
tax tables decide the tax (billing/invoicing/taxes.py), this rule only describes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from billing.core.errors import InvalidInput
from billing.invoicing.models import Invoice, InvoiceLine
from billing.parties.vat import EU_MEMBER_STATES, normalized_vat_number, vat_country


def reverse_charge_applies(*, provider_country: str, customer_country: str | None,
                           vat_number: str | None, vat_charged_minor: int) -> bool:
    """The rule over plain values: does the reverse-charge note belong on the invoice?"""
    country = (customer_country or "").upper()
    if country not in EU_MEMBER_STATES or country == provider_country.upper():
        return False
    try:
        number = normalized_vat_number(vat_number)
    except InvalidInput:
        return False
    return vat_country(number) == country and vat_charged_minor == 0


def vat_charged_minor(lines: Iterable[InvoiceLine]) -> int:
    """What the invoice's tax lines of EU member states' jurisdictions charge, in minor
    units (a jurisdiction reads "DE" or "DE / Bavaria": its country comes first)."""
    return sum(line.amount_minor for line in lines if line.kind == "tax"
               and (line.jurisdiction or "").split(" / ")[0].strip() in EU_MEMBER_STATES)


def invoice_reverse_charge(invoice: Invoice, parties: dict, provider_country: str) -> bool:
    """The rule for one invoice, with the customer's details as the invoice shows them
    (`parties`: the bill-to snapshot, with "country" and "vat_number")."""
    return reverse_charge_applies(
        provider_country=provider_country, customer_country=parties.get("country"),
        vat_number=parties.get("vat_number"), vat_charged_minor=vat_charged_minor(invoice.lines))
