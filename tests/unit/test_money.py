from decimal import Decimal

import pytest

from billing.core.errors import InvalidInput
from billing.core.money import Money, line_amount, parse_amount, parse_rate, to_minor, total


@pytest.mark.parametrize("amount, expected", [
    ("0.005", 1),      # half rounds up
    ("0.004999", 0),
    ("-0.005", -1),    # half-up is away from zero for negatives too
    ("12.345", 1235),
    ("12.344", 1234),
])
def test_to_minor_rounds_half_up_once(amount, expected):
    assert to_minor(Decimal(amount), "USD") == expected


def test_line_amount_uses_six_place_rates_and_rounds_once():
    # 1,234 minutes at 0.012750 = 15.7335 -> 15.73
    assert line_amount(Decimal(1234), Decimal("0.012750"), "USD") == 1573
    # summing unrounded per-minute amounts would differ from rounding the line once
    assert line_amount(Decimal(3), Decimal("0.004500"), "USD") == 1  # 0.0135 -> 0.01


def test_float_is_refused():
    with pytest.raises(TypeError):
        to_minor(0.1, "USD")
    with pytest.raises(TypeError):
        Money(1.5, "USD")


def test_currencies_never_mix():
    with pytest.raises(InvalidInput):
        Money(100, "USD") + Money(100, "EUR")
    assert total([100, 250, Money(5, "GBP")], "GBP") == Money(355, "GBP")


def test_unknown_currency_is_refused():
    with pytest.raises(InvalidInput):
        Money(1, "XYZ")


@pytest.mark.parametrize("text", ["abc", "1.001", "NaN", "Infinity", "", "1e3", "1_000", "١٢",
                                  "12,50", "1,2345.00"])
def test_parse_amount_rejects_non_amounts(text):
    with pytest.raises(InvalidInput):
        parse_amount(text, "USD")


def test_parse_amount_and_rate():
    assert parse_amount("1,250.50", "EUR") == 125050
    assert parse_rate("0.085300") == Decimal("0.0853")
    with pytest.raises(InvalidInput):
        parse_rate("0.0000001")


def test_major_units_for_display():
    assert Money(123456, "USD").major == Decimal("1234.56")
