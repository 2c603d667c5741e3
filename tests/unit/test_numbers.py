"""Whole numbers from people and systems: plain ASCII digits within bounds, else None."""

import pytest

from billing.core.numbers import MAX_ID, whole_number


@pytest.mark.parametrize("text, number", [
    ("1", 1), ("42", 42), ("0042", 42), (7, 7), ("2147483647", 2**31 - 1), ("9999999999", None),
])
def test_plain_digits_within_an_id_column_are_read(text, number):
    assert whole_number(text) == number


@pytest.mark.parametrize("text", [
    "", "0", "-1", "+1", " 1", "1 ", "1.0", "1e3", "1_000", "²", "١٢", "abc", "12345678901",
    None, 1.0, True, False, 0, -5, "2147483648", 2**31,
])
def test_anything_else_is_no_number(text):
    assert whole_number(text) is None


def test_the_bounds_are_inclusive():
    assert whole_number("5", low=5, high=10) == 5
    assert whole_number("10", low=5, high=10) == 10
    assert whole_number("4", low=5, high=10) is None
    assert whole_number("11", low=5, high=10) is None
    assert whole_number("0", low=0) == 0


def test_an_id_fits_a_postgresql_integer_column():
    assert MAX_ID == 2_147_483_647
