"""Taxes and fees: one hand-checked example per kind, effective dates, jurisdictions, exemptions."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.core.errors import InvalidInput
from billing.invoicing.tax_models import TaxExemption, TaxRate
from billing.invoicing.taxes import (
    Taxable,
    exempt_tax_types,
    exemptions,
    in_force,
    rates_in_force,
    tax_lines,
    without_exempt,
)

USD = Taxable(charges_minor=123_456, lines=25, numbers=40, currency="USD")  # $1,234.56


def rate(**values):
    defaults = dict(tax_type="sales", name="Sales tax", kind="percent", country="US", region="",
                    locality="", rate=Decimal("0.0625"), base_share=Decimal(1), currency=None,
                    effective_from=date(2026, 1, 1))
    return TaxRate(**{**defaults, **values})


def test_percent_tax_on_all_charges():
    # 1,234.56 x 6.25% = 77.16 (77.16 exactly: 1234.56 * 0.0625 = 77.16)
    [line] = tax_lines([rate()], USD)
    assert (line.kind, line.amount_minor) == ("tax", 7716)


def test_percent_tax_on_the_interstate_share():
    # USF: 36.4% of the interstate share 64.9% of 1,234.56
    # base 1,234.56 x 0.649 = 801.229440; x 0.364 = 291.647516 -> 291.65
    usf = rate(tax_type="usf", name="Federal USF", rate=Decimal("0.364"),
               base_share=Decimal("0.649"))
    [line] = tax_lines([usf], USD)
    assert line.quantity == Decimal("801.229440") and line.amount_minor == 29165


def test_recovery_fee_is_a_fee_line():
    # 1,234.56 x 2.5% = 30.864 -> 30.86
    [line] = tax_lines([rate(tax_type="rrf", name="Regulatory recovery fee",
                             kind="recovery_fee", rate=Decimal("0.025"))], USD)
    assert (line.kind, line.amount_minor) == ("fee", 3086)


def test_per_line_fee():
    # E911: 25 lines x 0.75 = 18.75
    [line] = tax_lines([rate(tax_type="e911", name="E911", kind="per_line",
                             rate=Decimal("0.75"), currency="USD")], USD)
    assert (line.kind, line.quantity, line.amount_minor) == ("fee", 25, 1875)


def test_per_number_fee():
    # 40 numbers x 0.035 = 1.40
    [line] = tax_lines([rate(tax_type="numbering", name="Numbering fee", kind="per_number",
                             rate=Decimal("0.035"), currency="USD")], USD)
    assert line.amount_minor == 140


def test_vat_for_a_uk_customer():
    # GBP 500.00 x 20% = 100.00
    [line] = tax_lines([rate(tax_type="vat", name="VAT", country="GB", rate=Decimal("0.20"))],
                       Taxable(50_000, 3, 3, "GBP"))
    assert line.amount_minor == 10_000


def test_fee_in_another_currency_is_refused():
    with pytest.raises(InvalidInput):
        tax_lines([rate(kind="per_line", rate=Decimal(1), currency="CAD")], USD)


def test_rates_follow_jurisdiction_and_effective_date(session, world):
    session.add_all([
        rate(tax_type="usf", name="USF 2025", rate=Decimal("0.30"),
             effective_from=date(2025, 1, 1)),
        rate(tax_type="usf", name="USF 2026", rate=Decimal("0.364"),
             effective_from=date(2026, 1, 1)),
        rate(tax_type="sales", name="Colorado", region="CO"),
        rate(tax_type="sales", name="Texas", region="TX"),
        rate(tax_type="local", name="Denver", region="CO", locality="Denver"),
        rate(tax_type="vat", name="VAT", country="GB"),
    ])
    session.flush()
    found = rates_in_force(session, country="US", region="CO", city="Denver",
                           on=date(2026, 3, 1), exempt=set())
    assert [r.name for r in found] == ["USF 2026", "Colorado", "Denver"]
    earlier = rates_in_force(session, country="US", region="CO", city="Boulder",
                             on=date(2025, 6, 1), exempt=set())
    assert [r.name for r in earlier] == ["USF 2025"]


def test_exempt_customer_pays_no_such_tax(session, world):
    customer = world.customers["wholesale"]
    session.add_all([rate(tax_type="sales", region="CO"), rate(tax_type="usf", name="USF"),
                     TaxExemption(customer_id=customer.id, tax_type="sales",
                                  certificate="RESALE-CO-123")])
    session.flush()
    exempt = exempt_tax_types(session, customer.id)
    found = rates_in_force(session, country="US", region="CO", city="Denver",
                           on=date(2026, 3, 1), exempt=exempt)
    assert [r.tax_type for r in found] == ["usf"]


@given(types=st.sets(st.sampled_from(["sales", "usf", "e911", "vat", "rrf"])),
       exempt=st.sets(st.sampled_from(["sales", "usf", "e911", "vat", "rrf"])),
       charges=st.integers(0, 10**9))
def test_exempt_tax_types_never_appear(types, exempt, charges):
    rates = [rate(tax_type=t, name=t, kind="per_line" if t == "e911" else "percent",
                  currency="USD") for t in types]
    lines = tax_lines(without_exempt(rates, exempt), Taxable(charges, 10, 10, "USD"))
    assert not {line.description for line in lines} & exempt


def test_a_rate_taking_effect_on_the_billing_date_applies_that_day(session, world):
    session.add_all([
        rate(tax_type="usf", name="USF old", rate=Decimal("0.30"), effective_from=date(2025, 1, 1)),
        rate(tax_type="usf", name="USF new", rate=Decimal("0.364"),
             effective_from=date(2026, 3, 1)),
    ])
    session.flush()
    on_the_day = rates_in_force(session, country="US", region="CO", city="Denver",
                                on=date(2026, 3, 1), exempt=set())
    the_day_before = rates_in_force(session, country="US", region="CO", city="Denver",
                                    on=date(2026, 2, 28), exempt=set())
    assert [r.name for r in on_the_day] == ["USF new"]
    assert [r.name for r in the_day_before] == ["USF old"]


def test_rates_entered_newest_first_still_give_the_latest_in_force(session, world):
    session.add_all([
        rate(tax_type="usf", name="USF 2026", rate=Decimal("0.364"),
             effective_from=date(2026, 1, 1)),
        rate(tax_type="usf", name="USF 2024", rate=Decimal("0.25"),
             effective_from=date(2024, 1, 1)),
        rate(tax_type="usf", name="USF 2025", rate=Decimal("0.30"),
             effective_from=date(2025, 1, 1)),
    ])
    session.flush()
    found = rates_in_force(session, country="US", region="CO", city="Denver",
                           on=date(2026, 3, 1), exempt=set())
    assert [r.name for r in found] == ["USF 2026"]
    earlier = rates_in_force(session, country="US", region="CO", city="Denver",
                             on=date(2025, 6, 1), exempt=set())
    assert [r.name for r in earlier] == ["USF 2025"]


def test_a_rate_not_yet_in_force_is_left_out_of_a_list_given_in_date_order():
    rates = [rate(name="Now"), rate(name="Later", effective_from=date(2026, 4, 1))]
    found = in_force(rates, country="US", region="CO", city="Denver", on=date(2026, 3, 31),
                     exempt=set())
    assert [r.name for r in found] == ["Now"]
    on_the_day = in_force(rates, country="US", region="CO", city="Denver", on=date(2026, 4, 1),
                          exempt=set())
    assert [r.name for r in on_the_day] == ["Later"]


def test_only_the_customers_own_region_and_city_apply():
    rates = [rate(name="Federal"), rate(name="Colorado", region="CO"),
             rate(name="Texas", region="TX"), rate(name="Denver", region="CO", locality="Denver"),
             rate(name="Boulder", region="CO", locality="Boulder"), rate(name="UK", country="GB")]
    found = in_force(rates, country="US", region="CO", city="Denver", on=date(2026, 3, 1),
                     exempt=set())
    assert {r.name for r in found} == {"Federal", "Colorado", "Denver"}
    nowhere = in_force(rates, country="US", region=None, city=None, on=date(2026, 3, 1),
                       exempt=set())
    assert [r.name for r in nowhere] == ["Federal"]


def test_rates_are_listed_federal_first_then_by_region_city_and_tax():
    rates = [rate(tax_type="local", name="Denver", region="CO", locality="Denver"),
             rate(tax_type="sales", name="Colorado", region="CO"),
             rate(tax_type="usf", name="USF"), rate(tax_type="e911", name="E911")]
    found = in_force(rates, country="US", region="CO", city="Denver", on=date(2026, 3, 1),
                     exempt=set())
    assert [r.name for r in found] == ["E911", "USF", "Colorado", "Denver"]


def test_the_jurisdiction_names_country_region_and_city():
    [line] = tax_lines([rate(region="CO", locality="Denver")], USD)
    assert line.jurisdiction == "US / CO / Denver" and line.description == "Sales tax"
    [federal] = tax_lines([rate()], USD)
    assert federal.jurisdiction == "US"


def test_a_rate_of_zero_effect_gives_no_line():
    assert tax_lines([rate(rate=Decimal(0))], USD) == []
    assert tax_lines([rate()], Taxable(0, 0, 0, "USD")) == []


def test_a_fee_in_another_currency_is_refused_with_both_named():
    with pytest.raises(InvalidInput) as refused:
        tax_lines([rate(name="E911", kind="per_line", rate=Decimal(1), currency="CAD")], USD)
    assert str(refused.value) == "Fee E911 is in CAD, the invoice in USD."


def test_the_exemptions_of_several_customers_at_once(session, world):
    wholesale, other = world.customers["wholesale"], next(
        c for key, c in world.customers.items() if key != "wholesale")
    session.add(TaxExemption(customer_id=wholesale.id, tax_type="sales", certificate="R-1"))
    session.flush()
    assert exemptions(session, [wholesale.id, other.id]) == {wholesale.id: {"sales"},
                                                             other.id: set()}


def test_each_line_shows_its_name_jurisdiction_and_rate():
    [tax] = tax_lines([rate(name="Colorado sales tax", region="CO", rate=Decimal("0.029"))],
                      USD)
    assert (tax.description, tax.jurisdiction, tax.rate) == (
        "Colorado sales tax", "US / CO", Decimal("0.029"))
    [fee] = tax_lines([rate(tax_type="e911", name="Denver E911", kind="per_line",
                            region="CO", locality="Denver", rate=Decimal("0.75"),
                            currency="USD")], USD)
    assert (fee.description, fee.jurisdiction, fee.rate) == (
        "Denver E911", "US / CO / Denver", Decimal("0.75"))
