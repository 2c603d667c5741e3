"""Amounts typed as each of the portal's locales writes them: what is read, what is refused
and why, and that what the portal writes into a field reads back as the same amount."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.core.amount_text import AmountRefused, amount_for_input, parse_amount
from billing.core.money import CURRENCIES, MAX_MINOR

LOCALES = ("en_US", "en_GB", "de", "fr", "es")
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize("locale, text, minor", [
    ("en_US", "12.50", 1250), ("en_US", "1,234.50", 123450), ("en_US", "1,234", 123400),
    ("en_US", "1234.5", 123450), ("en_GB", "1,234.50", 123450), ("en_GB", ".5", 50),
    ("de", "12,50", 1250), ("de", "1.234,50", 123450), ("de", "1234,50", 123450),
    ("de", "1.234", 123400), ("de", "1.234.567,89", 123456789), ("de", "12,", 1200),
    ("de", " 7 ", 700), ("de", "-0,01", -1),
    ("fr", "12,50", 1250), ("fr", "1 234,50", 123450), ("fr", f"1{NNBSP}234,50", 123450),
    ("fr", f"1{NBSP}234{NBSP}567,8", 123456780), ("fr", "1234,50", 123450),
    ("es", "12,50", 1250), ("es", "1.234,50", 123450), ("es", "1234,5", 123450),
    ("de", "21.474.836,47", MAX_MINOR),
])
def test_each_locale_reads_its_own_forms(locale, text, minor):
    assert parse_amount(text, "EUR", locale) == minor


@pytest.mark.parametrize("locale, text, reason", [
    # the other locales' forms, and groups out of place
    ("de", "12.50", "wrong_form"), ("de", "1,234.50", "wrong_form"),
    ("de", "1.23,50", "wrong_form"), ("de", "1.2345", "wrong_form"), ("de", "1..234", "wrong_form"),
    ("de", "1 234,50", "wrong_form"), ("es", "12.50", "wrong_form"),
    ("fr", "1.234,50", "wrong_form"), ("fr", "12.50", "wrong_form"),
    ("fr", "12 34,50", "wrong_form"),
    ("en_US", "12,50", "wrong_form"), ("en_GB", "1.234,50", "wrong_form"),
    ("en_US", "1,2345.00", "wrong_form"), ("en_US", "1 234.50", "wrong_form"),
    # more places than the currency has (in de "1,234" is a decimal, never a thousand)
    ("de", "12,505", "places"), ("de", "1,234", "places"), ("en_US", "1.001", "places"),
    # not numbers at all
    ("de", "", "empty"), ("de", "   ", "empty"), ("de", "1e3", "not_a_number"),
    ("de", "1E3", "not_a_number"), ("de", "NaN", "not_a_number"),
    ("de", "Infinity", "not_a_number"), ("de", "12\x0050", "not_a_number"),
    ("de", "\x0012", "not_a_number"), ("de", "€12", "not_a_number"),
    ("de", "12 €", "not_a_number"), ("de", "١٢", "not_a_number"), ("de", "1_000", "not_a_number"),
    ("de", "+12", "not_a_number"), ("de", ",", "not_a_number"), ("de", "-", "not_a_number"),
    # beyond what an amount column holds
    ("de", "21.474.836,48", "too_large"), ("de", "1" * 30, "too_large"),
    ("fr", "9" * 30 + ",99", "too_large"), ("en_US", "1" * 300, "too_large"),
    ("en_US", "0" * 40 + "1.00", "too_large"),
])
def test_each_locale_refuses_what_it_does_not_write(locale, text, reason):
    with pytest.raises(AmountRefused) as refused:
        parse_amount(text, "EUR", locale)
    assert refused.value.reason == reason


@pytest.mark.parametrize("locale, example", [
    ("en_US", "1,234.56"), ("en_GB", "1,234.56"), ("de", "1.234,56"),
    ("fr", f"1{NNBSP}234,56"), ("es", "1.234,56"),
])
def test_a_refusal_shows_the_form_the_locale_expects(locale, example):
    wrong = "12,50" if locale.startswith("en") else "12.50"
    with pytest.raises(AmountRefused) as refused:
        parse_amount(wrong, "USD", locale)
    assert refused.value.example == example
    assert str(refused.value) == f"{wrong!r} is not an amount; use the form {example}."


def test_the_machine_form_is_english():
    assert parse_amount("1,250.50", "USD") == 125_050
    assert amount_for_input(125_050, "USD") == "1,250.50"


@pytest.mark.parametrize("locale, text", [
    ("en_US", "-1,234,567.89"), ("en_GB", "-1,234,567.89"), ("de", "-1.234.567,89"),
    ("fr", f"-1{NNBSP}234{NNBSP}567,89"), ("es", "-1.234.567,89"),
])
def test_a_saved_amount_is_shown_as_the_locale_writes_it(locale, text):
    assert amount_for_input(-123_456_789, "EUR", locale) == text
    assert amount_for_input(5, "EUR", locale)[-3] in ".,"  # always the currency's places


@given(minor=st.integers(-MAX_MINOR, MAX_MINOR), locale=st.sampled_from(LOCALES),
       currency=st.sampled_from(CURRENCIES))
def test_an_amount_written_for_a_locale_reads_back_as_itself(minor, locale, currency):
    assert parse_amount(amount_for_input(minor, currency, locale), currency, locale) == minor


@given(minor=st.integers(0, MAX_MINOR), locale=st.sampled_from(LOCALES))
def test_without_grouping_an_amount_still_reads_back(minor, locale):
    written = amount_for_input(minor, "GBP", locale)
    plain = "".join(ch for ch in written if ch.isdigit() or ch in ".," and ch == written[-3])
    assert parse_amount(plain, "GBP", locale) == minor


@given(text=st.text(max_size=40), locale=st.sampled_from(LOCALES))
def test_any_text_is_an_amount_or_a_refusal_never_an_error(text, locale):
    try:
        minor = parse_amount(text, "EUR", locale)
    except AmountRefused:
        return
    assert abs(minor) <= MAX_MINOR
