"""Partners (channel, agency with sub-agents, wholesale rebillers) and customers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.clock import utcnow
from billing.db import Base, UTCDateTime

PARTNER_KINDS = ("channel", "agency", "wholesale")
LOCALES = ("en_US", "en_GB", "de", "fr", "es")
BILLING_ROLES = ("retail", "wholesale")


class Partner(Base):
    """A channel partner, an agency (or one of its sub-agents), or a wholesale rebiller.

    `tree_path` is the materialised path of ids from the top agency down ("/3/7/"),
    so that a partner's whole sub-agent tree is one indexed prefix match.
    """

    __tablename__ = "partner"
    __table_args__ = (CheckConstraint(f"kind IN {PARTNER_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    tree_path: Mapped[str] = mapped_column(String(255), index=True, default="")
    brand_name: Mapped[str | None] = mapped_column(String(200))
    brand_color: Mapped[str | None] = mapped_column(String(7))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Partner | None] = relationship(remote_side=[id])

    @property
    def display_brand(self) -> str:
        return self.brand_name or self.name


class Customer(Base):
    """An account the provider bills.

    Most are end customers ("retail"); a corporate account's locations are its
    sub-accounts. A "wholesale" account is a rebiller's own account with the provider
    (its `partner` is that rebiller): its invoice bills the rebiller, at wholesale
    prices, for every end customer of the rebiller in the account's currency.
    """

    __tablename__ = "customer"
    __table_args__ = (
        CheckConstraint(f"locale IN {LOCALES}", name="locale"),
        CheckConstraint(f"billing_role IN {BILLING_ROLES}", name="billing_role"),
        CheckConstraint("billing_role = 'retail' OR (partner_id IS NOT NULL "
                        "AND parent_id IS NULL)", name="wholesale_is_a_rebillers_own"),
        # One wholesale account per rebiller and currency: the one its end customers bill to.
        Index("uq_customer_wholesale_account", "partner_id", "currency", unique=True,
              sqlite_where=text("billing_role = 'wholesale'"),
              postgresql_where=text("billing_role = 'wholesale'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    pays_own_charges: Mapped[bool] = mapped_column(default=False)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    email_of_record: Mapped[str] = mapped_column(String(254))
    phone_of_record: Mapped[str] = mapped_column(String(32))
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(5), default="en_US")
    currency: Mapped[str] = mapped_column(String(3))
    billing_role: Mapped[str] = mapped_column(String(16), default="retail",
                                              server_default="retail")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner | None] = relationship()
    parent: Mapped[Customer | None] = relationship(remote_side=[id], back_populates="sub_accounts")
    sub_accounts: Mapped[list[Customer]] = relationship(
        back_populates="parent", order_by="Customer.account_number"
    )

    @property
    def is_wholesale(self) -> bool:
        return self.billing_role == "wholesale"

    @property
    def postal_address(self) -> list[str]:
        lines = [self.address_line1, self.address_line2]
        lines.append(" ".join(p for p in (self.city, self.region, self.postal_code) if p))
        lines.append(self.country)
        return [line for line in lines if line]
