"""Products the provider sells and the services a customer subscribes to."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.clock import utcnow
from billing.db import Base, UTCDateTime
from billing.models.parties import Customer

PRODUCT_KINDS = ("recurring", "one_time", "usage")
DELIVERY = ("private", "internet")
RATE = Numeric(18, 6)


class Product(Base):
    __tablename__ = "product"
    __table_args__ = (CheckConstraint(f"kind IN {PRODUCT_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(32))


class Service(Base):
    """A product a customer has: quantity, unit price, dates and how it is delivered."""

    __tablename__ = "service"
    __table_args__ = (CheckConstraint(f"delivery IN {DELIVERY}", name="delivery"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(RATE)
    unit_price: Mapped[Decimal] = mapped_column(RATE)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str | None] = mapped_column(String(200))
    delivery: Mapped[str] = mapped_column(String(16), default="private")
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    product: Mapped[Product] = relationship()
