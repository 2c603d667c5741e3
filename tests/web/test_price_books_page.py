"""Staff read the price books: every book with its fallback and markup, and its prices."""

from sqlalchemy import select

from billing.catalog.models import PriceBook
from tests.factories import add_rebiller_books


def test_staff_see_every_book_and_its_prices(login_as, session, world):
    add_rebiller_books(session, world)
    session.commit()
    client = login_as("staff")
    listing = client.get("/staff/price-books").get_data(as_text=True)
    for code in ("LIST-USD", "WS-WHOLESALE-USD", "WS-RETAIL-USD"):
        assert code in listing
    assert "25%" in listing  # the retail book's usage markup
    retail = session.scalars(select(PriceBook).where(PriceBook.code == "WS-RETAIL-USD")).one()
    wholesale = session.scalars(select(PriceBook).filter_by(code="WS-WHOLESALE-USD")).one()
    page = client.get(f"/staff/price-books/{wholesale.id}").get_data(as_text=True)
    assert "Voice seat" in page and "12.60" in page and "LIST-USD" in page
    assert "21.00" in client.get(f"/staff/price-books/{retail.id}").get_data(as_text=True)


def test_unknown_or_malformed_book_ids_are_not_found(login_as, world):
    client = login_as("staff")
    for book_id in ("999999", "abc", "-1", "1e3"):
        assert client.get(f"/staff/price-books/{book_id}").status_code == 404


def test_partners_and_customers_cannot_see_price_books(login_as, world):
    for user in ("wholesale_admin", "customer_admin"):
        assert login_as(user).get("/staff/price-books").status_code == 404
