"""The outage ledger, trouble tickets, maintenance windows and SLA credit requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.catalog.models import SLA_FAMILIES, Service
from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.invoicing.models import CreditNote
from billing.parties.models import Customer
from billing.sla.calculation import CAUSES

TICKET_SOURCES = ("portal", "support", "api")
WINDOW_KINDS = ("standard", "extra")
REQUEST_STATES = ("pending", "approved", "rejected")

outage_service = Table(
    "outage_service", Base.metadata,
    Column("outage_id", ForeignKey("outage.id"), primary_key=True),
    Column("service_id", ForeignKey("service.id"), primary_key=True, index=True),
)


class Outage(Base):
    """One failure recorded by the provider (the ledger is the source of truth).

    It affects either a whole platform (`platform`: every voice or messaging service)
    or the services linked to it. `cause` is "provider" or an exclusion letter (a)-(i).
    """

    __tablename__ = "outage"
    __table_args__ = (
        CheckConstraint(f"cause IN {CAUSES}", name="cause"),
        CheckConstraint(f"platform IN {SLA_FAMILIES}", name="platform"),
        CheckConstraint("ended_at > started_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cause: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    services: Mapped[list[Service]] = relationship(secondary=outage_service)


class TroubleTicket(Base):
    """A customer's report of a failure; it makes an outage count if opened within 72 h."""

    __tablename__ = "trouble_ticket"
    __table_args__ = (CheckConstraint(f"source IN {TICKET_SOURCES}", name="source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("outage.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(String(2000))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    customer: Mapped[Customer] = relationship()
    outage: Mapped[Outage | None] = relationship()


class MaintenanceWindow(Base):
    """Scheduled maintenance; it excuses downtime only if noticed 7 days ahead."""

    __tablename__ = "maintenance_window"
    __table_args__ = (
        CheckConstraint(f"kind IN {WINDOW_KINDS}", name="kind"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("starts_at", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(300))
    notice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SlaCreditRequest(Base):
    """A customer's request for one service's credit in one month, and its decision.

    The calculation shown when it was filed is kept as it was; approving it issues a
    credit note for the amount, applied on the customer's next invoice.
    """

    __tablename__ = "sla_credit_request"
    __table_args__ = (
        CheckConstraint(f"status IN {REQUEST_STATES}", name="status"),
        UniqueConstraint("service_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"))
    month: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    currency: Mapped[str] = mapped_column(String(3))
    hours: Mapped[int]
    credit_minor: Mapped[int]
    calculation: Mapped[dict] = mapped_column(JSON)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_note.id"))

    customer: Mapped[Customer] = relationship()
    service: Mapped[Service] = relationship()
    credit_note: Mapped[CreditNote | None] = relationship()
