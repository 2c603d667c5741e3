from decimal import Decimal

import pytest

from billing.core.amount_text import parse_amount
from billing.core.errors import InvalidInput
from billing.core.money import Money, line_amount, parse_rate, to_minor, total


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


def test_subtracting_money_of_one_currency():
    assert Money(1_000, "USD") - Money(250, "USD") == Money(750, "USD")
    assert Money(250, "CAD") - Money(1_000, "CAD") == Money(-750, "CAD")


def test_subtracting_another_currency_is_refused_with_both_named():
    with pytest.raises(InvalidInput, match="^Cannot combine USD with EUR.$"):
        Money(100, "USD") - Money(100, "EUR")


def test_negating_money_keeps_its_currency():
    assert -Money(1_234, "GBP") == Money(-1_234, "GBP")
    assert -Money(-5, "USD") == Money(5, "USD")


def test_adding_money():
    assert Money(1_000, "USD") + Money(-250, "USD") == Money(750, "USD")
    with pytest.raises(InvalidInput, match="^Cannot combine EUR with USD.$"):
        Money(100, "EUR") + Money(100, "USD")


def test_a_total_of_nothing_is_zero_in_that_currency():
    assert total([], "CAD") == Money(0, "CAD")


def test_refusals_say_why():
    with pytest.raises(TypeError, match="^money is never a float$"):
        to_minor(0.1, "USD")
    with pytest.raises(TypeError, match="^Money.minor must be an int$"):
        Money(1.5, "USD")
    with pytest.raises(TypeError, match="^Money.minor must be an int$"):
        Money(True, "USD")
    with pytest.raises(InvalidInput, match="^Unsupported currency 'XYZ'.$"):
        Money(1, "XYZ")
    with pytest.raises(InvalidInput, match="^Unsupported currency 'JPY'.$"):
        to_minor(Decimal(1), "JPY")


@pytest.mark.parametrize("text, message", [
    ("abc", "'abc' is not an amount."),
    ("1e3", "'1e3' is not an amount."),
    ("12,50", "'12,50' is not an amount; use the form 1,234.56."),
    ("1,2345.00", "'1,2345.00' is not an amount; use the form 1,234.56."),
    ("1.001", "'1.001' is not an amount in USD."),
    ("21474836.48", "'21474836.48' is larger than any amount the portal handles."),
    ("-21474836.48", "'-21474836.48' is larger than any amount the portal handles."),
    ("1" * 27, f"'{'1' * 27}' is larger than any amount the portal handles."),
    ("9" * 30 + ".99", f"'{'9' * 30}.99' is larger than any amount the portal handles."),
    ("1" * 300, f"'{'1' * 300}' is larger than any amount the portal handles."),
])
def test_parse_amount_says_why_it_refuses(text, message):
    with pytest.raises(InvalidInput) as refused:
        parse_amount(text, "USD")
    assert str(refused.value) == message


@pytest.mark.parametrize("text, minor", [
    ("21474836.47", 2**31 - 1), ("-21474836.47", -(2**31 - 1)), (" 12.5 ", 1250),
    ("12.", 1200), (".5", 50), ("-0.01", -1), ("1,000", 100_000), ("1,234,567.8", 123456780),
])
def test_parse_amount_reads_what_people_type(text, minor):
    assert parse_amount(text, "USD") == minor


def test_parse_rate_says_why_it_refuses():
    with pytest.raises(InvalidInput) as refused:
        parse_rate("0.0000001")
    assert str(refused.value) == "'0.0000001' has more than six decimal places."
    with pytest.raises(InvalidInput) as refused:
        parse_rate("lots")
    assert str(refused.value) == "'lots' is not a number."
    with pytest.raises(InvalidInput) as refused:
        parse_rate("Infinity")
    assert str(refused.value) == "'Infinity' has more than six decimal places."


def test_parse_rate_takes_six_places_and_surrounding_spaces():
    assert parse_rate(" 0.000001 ") == Decimal("0.000001")
    assert parse_rate(12) == Decimal(12)


def test_major_units_of_a_negative_amount():
    assert Money(-5, "EUR").major == Decimal("-0.05")


def test_to_minor_rounds_exactly_beyond_the_default_decimal_precision():
    assert to_minor(Decimal("1" * 29 + ".005"), "USD") == int("1" * 29 + "01")
    assert to_minor(Decimal("-" + "1" * 29 + ".005"), "USD") == -int("1" * 29 + "01")


def test_to_minor_refuses_an_amount_no_computation_comes_near():
    with pytest.raises(InvalidInput) as refused:
        to_minor(Decimal("1E+50"), "USD")
    assert str(refused.value) == "1E+50 is larger than any amount the portal handles."
