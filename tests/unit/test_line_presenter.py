"""How invoice lines read: rounded minutes beside exact amounts, rates with currency and
unit, taxes with their base and rate, in English and German."""

from decimal import Decimal

import pytest

from billing.core.money import Money
from reports.line_presenter import minutes, present_line


def _line(kind, quantity, unit_price, amount_minor, currency="EUR", **extra) -> dict:
    return {"kind": kind, "description": extra.pop("description", "A line"),
            "quantity": str(quantity), "unit_price": str(unit_price),
            "amount": {"minor": amount_minor, "currency": currency,
                       "amount": str(Money(amount_minor, currency).major)}, **extra}


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


INDIA = _line("usage", "231.916667", "0.045", 1044, rate_unit="minute", call_count=1234,
              description="International calls to India", call_type="international")


def test_usage_shows_rounded_minutes_but_the_exact_rated_amount():
    view = present_line(INDIA, "EUR", "en_US")
    assert view.quantity == "231.92 min"
    # 231.916667 x 0.045 = 10.43625: rated once to 10.44, never re-rated on 231.92.
    assert view.amount == "€10.44"
    assert view.calls == "1,234"
    assert view.rate == "€0.0450 / min"


def test_usage_reads_the_german_way():
    view = present_line(INDIA, "EUR", "de")
    assert _plain(view.quantity) == "231,92 min"
    assert _plain(view.calls) == "1.234"
    assert _plain(view.rate) == "0,0450 € / min"
    assert _plain(view.amount) == "10,44 €"


def test_amount_is_never_re_rated_on_the_displayed_minutes():
    # 10.994 min at 10.00 is 109.94; on the 10.99 shown it would be 109.90.
    line = _line("usage", "10.994", "10.00", 10994, currency="USD", rate_unit="minute",
                 call_count=2)
    view = present_line(line, "USD", "en_US")
    assert (view.quantity, view.amount) == ("10.99 min", "$109.94")


@pytest.mark.parametrize("exact, shown", [("0.005", "0.01"), ("0.004999", "0.00"),
                                          ("2.125", "2.13"), ("1234.5", "1,234.50")])
def test_minutes_round_half_up_for_display(exact, shown):
    assert minutes(Decimal(exact), "en_US") == shown


def test_recurring_rate_is_per_month_with_its_currency():
    seat = _line("recurring", 3, "12.00", 3600, rate_unit="month")
    assert present_line(seat, "EUR", "en_US").rate == "€12.00 / month"
    assert _plain(present_line(seat, "EUR", "de").rate) == "12,00 € / Monat"
    assert present_line(seat, "EUR", "en_US").quantity == "3"


def test_a_rate_keeps_all_its_places():
    seat = _line("recurring", 1, "12.3456", 1235, currency="USD", rate_unit="month")
    assert present_line(seat, "USD", "en_US").rate == "$12.3456 / month"


def test_percentage_tax_shows_base_and_rate_in_their_own_columns():
    vat = _line("tax", "2721.8", "0.0825", 22455, rate_unit="percent", jurisdiction="US / CO")
    view = present_line(vat, "EUR", "en_US")
    assert (view.base, view.rate, view.quantity) == ("€2,721.80", "8.25%", "")
    assert view.detail == "US / CO"
    german = present_line(vat, "EUR", "de")
    assert (_plain(german.base), _plain(german.rate)) == ("2.721,80 €", "8,25 %")


def test_fee_per_line_shows_count_and_rate_per_line():
    e911 = _line("fee", 3, "0.70", 210, currency="USD", rate_unit="line")
    view = present_line(e911, "USD", "en_US")
    assert (view.quantity, view.rate, view.base) == ("3", "$0.70 / line", "")


def test_credit_shows_its_amount_only():
    credit = _line("credit", 1, "-5.00", -500, description="SLA credit CN-EUR-2026-000001")
    view = present_line(credit, "EUR", "en_US")
    assert (view.quantity, view.rate, view.calls) == ("", "", "")
    assert view.amount == "-€5.00"


def test_lines_drafted_before_units_were_kept_fall_back_on_their_kind():
    old = _line("usage", "231.916667", "0.045", 1044,
                description="International calls to India: 231.916667 min")
    view = present_line(old, "EUR", "en_US")
    assert view.description == "International calls to India"
    assert (view.quantity, view.rate, view.calls) == ("231.92 min", "€0.0450 / min", "")
    tax = present_line(_line("tax", "2721.8", "0.029", 7893), "EUR", "en_US")
    assert (tax.base, tax.rate) == ("€2,721.80", "2.9%")
