"""Products the provider sells and the services a customer subscribes to."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.parties.models import Customer, Partner

PRODUCT_KINDS = ("recurring", "one_time", "usage")
DELIVERY = ("private", "internet")
BOOK_KINDS = ("list", "wholesale", "retail")
SLA_FAMILIES = ("voice", "messaging")
RATE = Numeric(18, 6)


class Product(Base):
    """Something the provider sells. `sla_family` names the guaranteed platform it runs
    on (voice or messaging); products without one carry no availability guarantee."""

    __tablename__ = "product"
    __table_args__ = (
        CheckConstraint(f"kind IN {PRODUCT_KINDS}", name="kind"),
        CheckConstraint(f"sla_family IN {SLA_FAMILIES}", name="sla_family"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(32))
    sla_family: Mapped[str | None] = mapped_column(String(16))
    # The name per locale (billing.core.display_names); `name` is the canonical one.
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict,
                                                    server_default=text("'{}'"))


class PriceBook(Base):
    """Prices in one currency: the provider's list, a rebiller's wholesale prices, or
    a rebiller's retail prices for its end customers.

    A book may fall back to a base book for products it does not name (a wholesale
    book usually names only its discounts). A retail book's `usage_markup` is added to
    the rated usage (0.25 bills usage at cost plus 25 %).
    """

    __tablename__ = "price_book"
    __table_args__ = (
        CheckConstraint(f"kind IN {BOOK_KINDS}", name="kind"),
        CheckConstraint("(kind = 'list') = (partner_id IS NULL)", name="owner_matches_kind"),
        CheckConstraint("usage_markup >= 0", name="markup_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    base_book_id: Mapped[int | None] = mapped_column(ForeignKey("price_book.id"))
    usage_markup: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal(0))

    partner: Mapped[Partner | None] = relationship()
    base_book: Mapped[PriceBook | None] = relationship(remote_side=[id])


class PriceBookEntry(Base):
    """A product's unit price in a book from a date on; the latest entry in force wins."""

    __tablename__ = "price_book_entry"
    __table_args__ = (
        UniqueConstraint("book_id", "product_id", "effective_from"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("price_book.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    unit_price: Mapped[Decimal] = mapped_column(RATE)
    effective_from: Mapped[date]

    book: Mapped[PriceBook] = relationship()
    product: Mapped[Product] = relationship()


class Service(Base):
    """A product a customer has: quantity, dates, how it is delivered, and its price.

    `unit_price` is a contract price for this customer; when it is empty the price
    comes from the customer's price book (the list, or its rebiller's retail book).
    """

    __tablename__ = "service"
    __table_args__ = (CheckConstraint(f"delivery IN {DELIVERY}", name="delivery"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(RATE)
    unit_price: Mapped[Decimal | None] = mapped_column(RATE)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(String(200))
    delivery: Mapped[str] = mapped_column(String(16), default="private")
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product] = relationship()
