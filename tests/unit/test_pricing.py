"""Price books: which price a service is billed at, on which date, from which book."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from billing.catalog.pricing import Book, PriceBooks, Pricer
from billing.core.errors import InvalidInput

SEAT, PORT = 1, 2
LIST = Book(1, "LIST-USD", "list", None, "USD", None, Decimal(0))
WHOLESALE = Book(2, "WS-USD", "wholesale", 9, "USD", base_book_id=1, usage_markup=Decimal(0))
RETAIL = Book(3, "WS-RETAIL", "retail", 9, "USD", None, usage_markup=Decimal("0.25"))
ENTRIES = [
    (1, SEAT, date(2026, 1, 1), Decimal("18.00")),
    (1, SEAT, date(2026, 6, 1), Decimal("19.50")),  # a list price rise in June
    (1, PORT, date(2026, 1, 1), Decimal("15.00")),
    (2, SEAT, date(2026, 1, 1), Decimal("12.60")),  # wholesale names only its discount
    (3, SEAT, date(2026, 1, 1), Decimal("21.00")),
]
BOOKS = PriceBooks([LIST, WHOLESALE, RETAIL], ENTRIES)


def service(product_id, unit_price=None):
    code = {SEAT: "VOICE-SEAT", PORT: "PORT"}[product_id]
    return SimpleNamespace(id=7, product_id=product_id, unit_price=unit_price, currency="USD",
                           product=SimpleNamespace(code=code))


def test_the_latest_entry_in_force_on_the_date_wins():
    assert BOOKS.price(LIST, service(SEAT), date(2026, 5, 31)) == Decimal("18.00")
    assert BOOKS.price(LIST, service(SEAT), date(2026, 6, 1)) == Decimal("19.50")


def test_a_book_falls_back_to_its_base_book_for_products_it_does_not_name():
    assert BOOKS.price(WHOLESALE, service(SEAT), date(2026, 7, 1)) == Decimal("12.60")
    assert BOOKS.price(WHOLESALE, service(PORT), date(2026, 7, 1)) == Decimal("15.00")


def test_no_price_before_the_first_entry_is_a_clear_error():
    with pytest.raises(InvalidInput, match="LIST-USD has no price for VOICE-SEAT on 2025-12-31"):
        BOOKS.price(LIST, service(SEAT), date(2025, 12, 31))


def test_a_missing_product_in_a_book_without_base_is_a_clear_error():
    with pytest.raises(InvalidInput, match="WS-RETAIL has no price for PORT"):
        BOOKS.price(RETAIL, service(PORT), date(2026, 7, 1))


def test_a_contract_price_wins_on_the_customers_own_invoice_but_not_on_wholesale():
    contracted = service(SEAT, unit_price=Decimal("16.00"))
    retail = Pricer(BOOKS, RETAIL, honour_contract=True)
    wholesale = Pricer(BOOKS, WHOLESALE, honour_contract=False)
    assert retail.unit_price(contracted, date(2026, 7, 1)) == Decimal("16.00")
    assert wholesale.unit_price(contracted, date(2026, 7, 1)) == Decimal("12.60")


def test_retail_usage_is_the_rated_cost_plus_the_markup_to_six_places():
    retail = Pricer(BOOKS, RETAIL, honour_contract=True, usage_markup=Decimal("0.25"))
    assert retail.usage_rate(Decimal("0.012750")) == Decimal("0.015938")  # 0.0159375
    half = Pricer(BOOKS, RETAIL, honour_contract=True, usage_markup=Decimal("0.5"))
    assert half.usage_rate(Decimal("0.000011")) == Decimal("0.000017")  # 0.0000165 half-up
    assert Pricer(BOOKS, WHOLESALE, False).usage_rate(Decimal("0.0853")) == Decimal("0.085300")


def test_no_book_and_no_contract_price_is_a_clear_error():
    with pytest.raises(InvalidInput, match="no contract price"):
        Pricer(BOOKS, None, honour_contract=True).unit_price(service(SEAT), date(2026, 7, 1))


def test_a_base_book_cycle_does_not_loop():
    a = Book(10, "A", "retail", 9, "USD", base_book_id=11, usage_markup=Decimal(0))
    b = Book(11, "B", "retail", 8, "USD", base_book_id=10, usage_markup=Decimal(0))
    with pytest.raises(InvalidInput):
        PriceBooks([a, b], []).price(a, service(SEAT), date(2026, 7, 1))
