"""Document numbers: per series, consecutive, never repeated, formatted with six digits."""

from billing.core.numbering import format_number, series_key, take_number, take_numbers


def test_a_series_is_named_by_kind_currency_and_year():
    assert series_key("INV", "USD", 2026) == "INV-USD-2026"
    assert format_number("INV-USD-2026", 42) == "INV-USD-2026-000042"
    assert format_number("CN-CAD-2027", 1_234_567) == "CN-CAD-2027-1234567"


def test_a_new_series_starts_at_one_and_counts_up(session):
    assert take_number(session, "TEST-USD-2026") == 1
    assert take_number(session, "TEST-USD-2026") == 2
    assert take_number(session, "TEST-USD-2026") == 3


def test_a_block_of_numbers_starts_after_the_last_one_taken(session):
    assert take_numbers(session, "TEST-EUR-2026", 3) == 1  # 1, 2 and 3
    assert take_numbers(session, "TEST-EUR-2026", 2) == 4  # 4 and 5
    assert take_number(session, "TEST-EUR-2026") == 6


def test_each_series_counts_on_its_own(session):
    take_numbers(session, "TEST-USD-2026", 5)
    assert take_number(session, "TEST-CAD-2026") == 1
    assert take_number(session, "TEST-USD-2027") == 1
    assert take_number(session, "TEST-USD-2026") == 6
