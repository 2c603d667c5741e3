"""Which unit price a service is billed at, from the price books (docs/invoices.md).

- A customer of the provider pays its contract price, else the list price.
- An end customer of a rebiller pays its contract price, else the rebiller's retail
  price; its usage is billed at the rated cost plus the retail book's markup.
- The rebiller pays the provider the wholesale price for each end customer's services
  (contract prices are between the rebiller and its customer) and usage at cost.

All books are read once per run; a price is the latest entry in force on a date,
looked up in the book and then in its base books.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.catalog.models import PriceBook, PriceBookEntry, Service
from billing.core.errors import InvalidInput
from billing.parties.models import Customer

RATE_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Book:
    """A price book's header, detached from the session (runs commit as they go)."""

    id: int
    code: str
    kind: str
    partner_id: int | None
    currency: str
    base_book_id: int | None
    usage_markup: Decimal


class PriceBooks:
    """Every book and entry, indexed for lookups by (book, product, date)."""

    def __init__(self, books: list[Book], entries: list[tuple[int, int, date, Decimal]]):
        self.books = {book.id: book for book in books}
        self._owned = {(b.kind, b.partner_id, b.currency): b for b in books}
        dated = defaultdict(list)
        for book_id, product_id, effective_from, price in sorted(entries, key=lambda e: e[2]):
            dated[book_id, product_id].append((effective_from, Decimal(price)))
        self._dated = dict(dated)

    @classmethod
    def load(cls, session: Session) -> PriceBooks:
        books = [Book(b.id, b.code, b.kind, b.partner_id, b.currency, b.base_book_id,
                      Decimal(b.usage_markup or 0))
                 for b in session.scalars(select(PriceBook))]
        entries = session.execute(select(
            PriceBookEntry.book_id, PriceBookEntry.product_id,
            PriceBookEntry.effective_from, PriceBookEntry.unit_price)).all()
        return cls(books, [tuple(row) for row in entries])

    def book(self, kind: str, partner_id: int | None, currency: str) -> Book | None:
        return self._owned.get((kind, partner_id, currency))

    def price(self, book: Book, service: Service, on: date) -> Decimal:
        """The book's price for the service's product on a date, else its base book's."""
        seen = set()
        current = book
        while current is not None and current.id not in seen:
            seen.add(current.id)
            found = self._in_force(current.id, service.product_id, on)
            if found is not None:
                return found
            current = self.books.get(current.base_book_id)
        raise InvalidInput(f"Price book {book.code} has no price for "
                           f"{service.product.code} on {on.isoformat()}.")

    def _in_force(self, book_id: int, product_id: int, on: date) -> Decimal | None:
        dated = self._dated.get((book_id, product_id), [])
        at = bisect_right([start for start, _ in dated], on)
        return dated[at - 1][1] if at else None


@dataclass(frozen=True)
class Pricer:
    """Prices the lines of one invoice."""

    books: PriceBooks
    book: Book | None
    honour_contract: bool
    usage_markup: Decimal = Decimal(0)

    def unit_price(self, service: Service, on: date) -> Decimal:
        if self.honour_contract and service.unit_price is not None:
            return Decimal(service.unit_price)
        if self.book is None:
            raise InvalidInput(f"Service {service.id} has no contract price and its "
                               f"account has no price book in {service.currency}.")
        return self.books.price(self.book, service, on)

    def usage_rate(self, rated: Decimal) -> Decimal:
        rate = Decimal(rated) * (1 + self.usage_markup)
        return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def pricer_for(books: PriceBooks, account: Customer) -> Pricer:
    """The pricing of the account's own invoice: wholesale, rebiller retail, or list."""
    partner = account.partner
    if account.is_wholesale:
        return Pricer(books, books.book("wholesale", partner.id, account.currency),
                      honour_contract=False)
    if partner is not None and partner.kind == "wholesale":
        book = books.book("retail", partner.id, account.currency)
        markup = book.usage_markup if book is not None else Decimal(0)
        return Pricer(books, book, honour_contract=True, usage_markup=markup)
    return Pricer(books, books.book("list", None, account.currency), honour_contract=True)
