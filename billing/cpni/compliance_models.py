"""The CPNI program's records: caller verifications, marketing opt-outs and campaign
exports, breaches and complaints."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.parties.models import Customer, Partner
from billing.parties.users import User

VERIFICATION_METHODS = ("passcode", "call_back", "email_of_record", "postal_mail")
COMPLAINT_STATES = ("open", "closed")


class CallerVerification(Base):
    """How a staff member verified a caller before discussing the account's CPNI."""

    __tablename__ = "caller_verification"
    __table_args__ = (CheckConstraint(f"method IN {VERIFICATION_METHODS}", name="method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    method: Mapped[str] = mapped_column(String(16))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(String(300))

    customer: Mapped[Customer] = relationship()
    staff: Mapped[User] = relationship()


class MarketingOptOut(Base):
    """A customer's opt-out of marketing use of its CPNI; it stands until revoked."""

    __tablename__ = "marketing_opt_out"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opted_out_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    customer: Mapped[Customer] = relationship()


marketing_export_customer = Table(
    "marketing_export_customer", Base.metadata,
    Column("export_id", ForeignKey("marketing_export.id"), primary_key=True),
    Column("customer_id", ForeignKey("customer.id"), primary_key=True, index=True),
)


class MarketingExport(Base):
    """One campaign's list of customers, as exported: who, when, for whom, which ones.
    Kept at least a year."""

    __tablename__ = "marketing_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign: Mapped[str] = mapped_column(String(200))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    exported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner | None] = relationship()
    exported_by: Mapped[User] = relationship()
    customers: Mapped[list[Customer]] = relationship(secondary=marketing_export_customer,
                                                     order_by="Customer.account_number")


breach_customer = Table(
    "breach_customer", Base.metadata,
    Column("breach_id", ForeignKey("cpni_breach.id"), primary_key=True),
    Column("customer_id", ForeignKey("customer.id"), primary_key=True, index=True),
)


class CpniBreach(Base):
    """A discovered breach of CPNI and what was done about it, in order.

    Law enforcement is due notice within 7 business days of `determined_at`; customers
    may be told only 7 full business days after that notice, unless an override with a
    reason is recorded. Kept at least 2 years.
    """

    __tablename__ = "cpni_breach"

    id: Mapped[int] = mapped_column(primary_key=True)
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    determined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    law_enforcement_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    law_enforcement_reference: Mapped[str | None] = mapped_column(String(100))
    override_reason: Mapped[str | None] = mapped_column(String(1000))
    override_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    override_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customers_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customers: Mapped[list[Customer]] = relationship(secondary=breach_customer,
                                                     order_by="Customer.account_number")


class CpniComplaint(Base):
    """A customer's complaint about the use or disclosure of its CPNI."""

    __tablename__ = "cpni_complaint"
    __table_args__ = (CheckConstraint(f"status IN {COMPLAINT_STATES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    category: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
