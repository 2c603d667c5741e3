"""Effective-dated tax and fee rates by jurisdiction, and customers' exemptions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing.catalog.models import RATE
from billing.core.db import Base

TAX_KINDS = ("percent", "per_line", "per_number", "recovery_fee")


class TaxRate(Base):
    """One tax or fee of one jurisdiction, in force from a date (until another replaces it).

    A jurisdiction is a country, optionally narrowed to a state or province, then a county
    or a city; blank parts match any. `percent` rates apply to `base_share` of the taxable
    charges (e.g. the interstate share for a federal universal service charge); per-line
    and per-number fees are an amount per seat or per telephone number.
    """

    __tablename__ = "tax_rate"
    __table_args__ = (
        CheckConstraint(f"kind IN {TAX_KINDS}", name="kind"),
        UniqueConstraint("tax_type", "country", "region", "locality", "effective_from",
                         name="uq_tax_rate_natural_key"),
        Index("ix_tax_rate_lookup", "country", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tax_type: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(40), default="")
    locality: Mapped[str] = mapped_column(String(80), default="")
    rate: Mapped[Decimal] = mapped_column(RATE)
    base_share: Mapped[Decimal] = mapped_column(RATE, default=Decimal(1))
    currency: Mapped[str | None] = mapped_column(String(3))  # for fixed fees
    effective_from: Mapped[date]


class TaxExemption(Base):
    """A customer exempt from one tax type (e.g. a rebiller holding a resale certificate)."""

    __tablename__ = "tax_exemption"
    __table_args__ = (UniqueConstraint("customer_id", "tax_type", name="uq_tax_exemption"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    tax_type: Mapped[str] = mapped_column(String(40))
    certificate: Mapped[str] = mapped_column(String(80))
