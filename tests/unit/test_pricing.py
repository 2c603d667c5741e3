"""Price books: which price a service is billed at, on which date, from which book."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from billing.catalog.models import Product
from billing.catalog.pricing import Book, PriceBooks, Pricer, pricer_for
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


def books(entries=ENTRIES):
    """Built in each test, so a test sees the indexing code it runs against."""
    return PriceBooks([LIST, WHOLESALE, RETAIL], entries)


def service(product_id, unit_price=None):
    code = {SEAT: "VOICE-SEAT", PORT: "PORT"}[product_id]
    return SimpleNamespace(id=7, product_id=product_id, unit_price=unit_price, currency="USD",
                           product=SimpleNamespace(code=code))


def test_the_latest_entry_in_force_on_the_date_wins():
    assert books().price(LIST, service(SEAT), date(2026, 5, 31)) == Decimal("18.00")
    assert books().price(LIST, service(SEAT), date(2026, 6, 1)) == Decimal("19.50")


def test_a_book_falls_back_to_its_base_book_for_products_it_does_not_name():
    assert books().price(WHOLESALE, service(SEAT), date(2026, 7, 1)) == Decimal("12.60")
    assert books().price(WHOLESALE, service(PORT), date(2026, 7, 1)) == Decimal("15.00")


def test_no_price_before_the_first_entry_is_a_clear_error():
    with pytest.raises(InvalidInput, match="LIST-USD has no price for VOICE-SEAT on 2025-12-31"):
        books().price(LIST, service(SEAT), date(2025, 12, 31))


def test_a_missing_product_in_a_book_without_base_is_a_clear_error():
    with pytest.raises(InvalidInput, match="WS-RETAIL has no price for PORT"):
        books().price(RETAIL, service(PORT), date(2026, 7, 1))


def test_a_contract_price_wins_on_the_customers_own_invoice_but_not_on_wholesale():
    contracted = service(SEAT, unit_price=Decimal("16.00"))
    retail = Pricer(books(), RETAIL, honour_contract=True)
    wholesale = Pricer(books(), WHOLESALE, honour_contract=False)
    assert retail.unit_price(contracted, date(2026, 7, 1)) == Decimal("16.00")
    assert wholesale.unit_price(contracted, date(2026, 7, 1)) == Decimal("12.60")


def test_retail_usage_is_the_rated_cost_plus_the_markup_to_six_places():
    retail = Pricer(books(), RETAIL, honour_contract=True, usage_markup=Decimal("0.25"))
    assert retail.usage_rate(Decimal("0.012750")) == Decimal("0.015938")  # 0.0159375
    half = Pricer(books(), RETAIL, honour_contract=True, usage_markup=Decimal("0.5"))
    assert half.usage_rate(Decimal("0.000011")) == Decimal("0.000017")  # 0.0000165 half-up
    assert Pricer(books(), WHOLESALE, False).usage_rate(Decimal("0.0853")) == Decimal("0.085300")


def test_no_book_and_no_contract_price_is_a_clear_error():
    with pytest.raises(InvalidInput, match="no contract price"):
        Pricer(books(), None, honour_contract=True).unit_price(service(SEAT), date(2026, 7, 1))


def test_a_base_book_cycle_does_not_loop():
    a = Book(10, "A", "retail", 9, "USD", base_book_id=11, usage_markup=Decimal(0))
    b = Book(11, "B", "retail", 8, "USD", base_book_id=10, usage_markup=Decimal(0))
    with pytest.raises(InvalidInput):
        PriceBooks([a, b], []).price(a, service(SEAT), date(2026, 7, 1))


def test_entries_given_out_of_date_order_still_give_the_price_in_force():
    shuffled = [ENTRIES[1], ENTRIES[4], ENTRIES[3], ENTRIES[2], ENTRIES[0]]
    assert books(shuffled).price(LIST, service(SEAT), date(2026, 5, 31)) == Decimal("18.00")
    assert books(shuffled).price(LIST, service(SEAT), date(2026, 6, 1)) == Decimal("19.50")
    assert books(shuffled).price(RETAIL, service(SEAT), date(2026, 6, 1)) == Decimal("21.00")


def test_a_price_cut_takes_effect_on_its_date():
    cut = [(1, PORT, date(2026, 6, 1), Decimal("12.00")), (1, PORT, date(2026, 1, 1), "15.00")]
    assert books(cut).price(LIST, service(PORT), date(2026, 5, 31)) == Decimal("15.00")
    assert books(cut).price(LIST, service(PORT), date(2026, 6, 1)) == Decimal("12.00")


def test_a_price_is_a_decimal_even_when_the_entry_is_text():
    price = PriceBooks([LIST], [(1, SEAT, date(2026, 1, 1), "18.5")]).price(
        LIST, service(SEAT), date(2026, 1, 1))
    assert price == Decimal("18.5") and isinstance(price, Decimal)


def account(billing_role="customer", partner_kind=None, partner_id=9, currency="USD"):
    partner = None if partner_kind is None else SimpleNamespace(id=partner_id, kind=partner_kind)
    return SimpleNamespace(partner=partner, currency=currency,
                           is_wholesale=billing_role == "wholesale")


def test_a_rebillers_wholesale_account_pays_the_wholesale_book_whatever_the_contract():
    pricer = pricer_for(books(), account("wholesale", "wholesale"))
    assert (pricer.book, pricer.honour_contract, pricer.usage_markup) == (WHOLESALE, False, 0)
    contracted = service(SEAT, unit_price=Decimal("16.00"))
    assert pricer.unit_price(contracted, date(2026, 7, 1)) == Decimal("12.60")


def test_a_rebillers_end_customer_pays_its_retail_book_with_its_usage_markup():
    pricer = pricer_for(books(), account(partner_kind="wholesale"))
    assert (pricer.book, pricer.honour_contract) == (RETAIL, True)
    assert pricer.usage_markup == Decimal("0.25")
    assert pricer.unit_price(service(SEAT), date(2026, 7, 1)) == Decimal("21.00")


def test_an_end_customer_of_a_rebiller_without_a_retail_book_has_no_markup():
    pricer = pricer_for(books(), account(partner_kind="wholesale", partner_id=8))
    assert (pricer.book, pricer.usage_markup) == (None, 0)


def test_the_providers_own_customers_pay_the_list_price():
    direct = pricer_for(books(), account())
    referred = pricer_for(books(), account(partner_kind="referral"))
    assert (direct.book, direct.honour_contract, direct.usage_markup) == (LIST, True, 0)
    assert (referred.book, referred.honour_contract) == (LIST, True)
    assert direct.unit_price(service(SEAT), date(2026, 7, 1)) == Decimal("19.50")
    assert pricer_for(books(), account(currency="EUR")).book is None


def test_books_are_found_by_kind_partner_and_currency():
    assert books().book("retail", 9, "USD") == RETAIL
    assert books().book("retail", 8, "USD") is None
    assert books().book("list", None, "CAD") is None


def test_the_books_are_read_from_the_database(session, world):
    from tests.factories import add_rebiller_books

    add_rebiller_books(session, world)
    loaded = PriceBooks.load(session)
    retail = loaded.book("retail", world.partners["wholesale"].id, "USD")
    wholesale = loaded.book("wholesale", world.partners["wholesale"].id, "USD")
    assert (retail.code, retail.usage_markup, retail.base_book_id) == (
        "WS-RETAIL-USD", Decimal("0.25"), None)
    assert wholesale.base_book_id == loaded.book("list", None, "USD").id
    assert (wholesale.usage_markup, loaded.book("list", None, "USD").usage_markup) == (0, 0)
    seat = session.scalars(select(Product).where(Product.code == "VOICE-SEAT")).one()
    item = SimpleNamespace(product_id=seat.id, product=seat)
    assert loaded.price(retail, item, date(2026, 3, 1)) == Decimal("21.00")
    assert loaded.price(wholesale, item, date(2026, 3, 1)) == Decimal("12.60")
