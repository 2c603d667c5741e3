"""VAT numbers are kept only when written as their country writes them."""

from __future__ import annotations

import pytest

from billing.core.errors import InvalidInput
from billing.parties.vat import EU_MEMBER_STATES, normalized_vat_number, vat_country


@pytest.mark.parametrize("typed, kept", [
    ("DE 123 456 789", "DE123456789"),
    ("atu12345678", "ATU12345678"),
    ("FR 40-303265045", "FR40303265045"),
    ("NL.123456789.B01", "NL123456789B01"),
    ("EL123456789", "EL123456789"),
    ("ESX1234567L", "ESX1234567L"),
    ("IE1234567FA", "IE1234567FA"),
    ("IE1A23456B", "IE1A23456B"),
    ("BE0123456789", "BE0123456789"),
    ("SE123456789001", "SE123456789001"),
    ("GB123456789", "GB123456789"),
    ("GBGD123", "GBGD123"),
])
def test_a_well_formed_number_is_kept_in_its_plain_form(typed, kept):
    assert normalized_vat_number(typed) == kept


@pytest.mark.parametrize("blank", [None, "", "   ", " - . "])
def test_no_number_is_none(blank):
    assert normalized_vat_number(blank) is None


@pytest.mark.parametrize("typed, says", [
    ("DE12345678", "not written as a DE VAT number"),   # one digit short
    ("DE1234567890", "not written as a DE VAT number"),  # one too many
    ("AT12345678", "not written as a AT VAT number"),   # the U is missing
    ("BE2123456789", "not written as a BE VAT number"),  # starts with 0 or 1
    ("NL123456789X01", "not written as a NL VAT number"),
    ("FRIO303265045", "not written as a FR VAT number"),  # no I or O in the key
    ("SE123456789012", "not written as a SE VAT number"),  # ends in 01
    ("GR123456789", "'GR' is not one we know"),  # Greece is EL
    ("US123456789", "'US' is not one we know"),
    ("123456789", "'12' is not one we know"),
    ("DE12345678<", "not written as a DE VAT number"),
])
def test_a_malformed_number_is_refused_with_what_was_expected(typed, says):
    with pytest.raises(InvalidInput) as refused:
        normalized_vat_number(typed)
    assert says in refused.value.message


def test_the_member_states_are_the_twenty_seven():
    assert len(EU_MEMBER_STATES) == 27
    assert "GR" in EU_MEMBER_STATES and "EL" not in EU_MEMBER_STATES
    assert "GB" not in EU_MEMBER_STATES


def test_the_issuing_country_of_a_greek_number_is_greece():
    assert vat_country("EL123456789") == "GR"
    assert vat_country("DE123456789") == "DE"
    assert vat_country(None) is None
