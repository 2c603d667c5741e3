"""Billing disputes, the escalation tiers that settle them, their timelines and files."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.invoicing.models import CreditNote, Invoice, InvoiceLine
from billing.parties.models import Customer, Partner
from billing.parties.users import BILLING_ROLES, User

DISPUTE_REASONS = ("wrong_rate", "duplicate_charge", "service_not_received", "tax",
                   "missing_sla_credit", "other")
# open: a tier owes an answer; waiting: the tier asked the filer and the clock is paused.
DISPUTE_STATES = ("open", "waiting", "settled", "withdrawn")
OUTCOMES = ("full", "partial", "denied")
EVENT_KINDS = ("filed", "assigned", "commented", "info_requested", "info_provided",
               "escalated", "settled", "reopened", "withdrawn")
ATTACHMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "text/csv")


class DisputeTier(Base):
    """One step of the billing escalation path, e.g. tier 1, billing specialist.

    `response_hours` are business hours the tier has to answer before the dispute
    escalates by itself. What it may grant is in its authorities, per currency.
    """

    __tablename__ = "dispute_tier"
    __table_args__ = (
        CheckConstraint(f"role IN {BILLING_ROLES}", name="role"),
        CheckConstraint("response_hours > 0", name="positive_hours"),
        CheckConstraint("level > 0", name="positive_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # The name per locale (billing.core.display_names); `name` is the canonical one.
    name_translations: Mapped[dict] = mapped_column(JSON, default=dict,
                                                    server_default=text("'{}'"))
    role: Mapped[str] = mapped_column(String(32))
    response_hours: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    authorities: Mapped[list[DisputeTierAuthority]] = relationship(
        back_populates="tier", order_by="DisputeTierAuthority.currency",
        cascade="all, delete-orphan")


class DisputeTierAuthority(Base):
    """The largest credit a tier may grant in one currency; no row: it may grant none."""

    __tablename__ = "dispute_tier_authority"
    __table_args__ = (CheckConstraint("max_credit_minor >= 0", name="not_negative"),)

    tier_id: Mapped[int] = mapped_column(ForeignKey("dispute_tier.id"), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    max_credit_minor: Mapped[int]

    tier: Mapped[DisputeTier] = relationship(back_populates="authorities")


dispute_line = Table(
    "dispute_line", Base.metadata,
    Column("dispute_id", ForeignKey("dispute.id"), primary_key=True),
    Column("line_id", ForeignKey("invoice_line.id"), primary_key=True, index=True),
)


class Dispute(Base):
    """A customer's (or its partner's) claim that an invoice, or some of its lines, is wrong.

    While open or waiting, `amount_minor` is held: the invoice's amount due leaves it out.
    `claimed_minor` is what the filer typed. A filer who may see the invoice's amounts
    is refused a claim above what is open, so the two are equal; a filer who may not
    (a partner without the customer's CPNI approval) is answered alike whatever is
    open, and the dispute holds the claim capped to what was open (possibly nothing).
    `deadline_at` is when the current tier must have answered; it is empty while the
    clock is paused (waiting on the filer) and once the dispute is closed.
    """

    __tablename__ = "dispute"
    __table_args__ = (
        CheckConstraint(f"status IN {DISPUTE_STATES}", name="status"),
        CheckConstraint(f"reason IN {DISPUTE_REASONS}", name="reason"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES}", name="outcome"),
        CheckConstraint("amount_minor >= 0", name="held_not_negative"),
        CheckConstraint("claimed_minor > 0 AND amount_minor <= claimed_minor",
                        name="held_within_claim"),
        CheckConstraint("credit_minor >= 0 AND credit_minor <= amount_minor",
                        name="credit_within_amount"),
        Index("ix_dispute_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    claimed_minor: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="open")
    tier_id: Mapped[int] = mapped_column(ForeignKey("dispute_tier.id"), index=True)
    tier_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_reason: Mapped[str | None] = mapped_column(String(1000))
    credit_minor: Mapped[int] = mapped_column(default=0)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_note.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invoice: Mapped[Invoice] = relationship()
    customer: Mapped[Customer] = relationship()
    partner: Mapped[Partner | None] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    settled_by: Mapped[User | None] = relationship(foreign_keys=[settled_by_id])
    tier: Mapped[DisputeTier] = relationship()
    credit_note: Mapped[CreditNote | None] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(secondary=dispute_line,
                                                   order_by="InvoiceLine.position")
    events: Mapped[list[DisputeEvent]] = relationship(
        back_populates="dispute", order_by="DisputeEvent.id")
    attachments: Mapped[list[DisputeAttachment]] = relationship(
        back_populates="dispute", order_by="DisputeAttachment.id")

    @property
    def reference(self) -> str:
        return f"D-{self.id:06d}"

    @property
    def is_active(self) -> bool:
        return self.status in ("open", "waiting")

    @property
    def held_minor(self) -> int:
        """What it holds back from the invoice's amount due now, after every step so far."""
        return self.held_at(datetime.max.replace(tzinfo=UTC))

    def held_at(self, at: datetime) -> int:
        """What it held back from the invoice's amount due at the instant `at`: from its
        filing until it closed, what it disputes less what an earlier settlement had
        already granted (a reopened dispute). `billing.invoicing.balance` sums these.
        The row keeps only its latest closing: once reopened, the time it spent settled
        reads as held."""
        not_yet = self.filed_at is not None and at < self.filed_at
        if not_yet or (self.closed_at is not None and self.closed_at <= at):
            return 0
        settled_before = self.settled_at is not None and self.settled_at <= at
        granted = self.credit_minor if settled_before else 0
        return self.amount_minor - granted


class DisputeEvent(Base):
    """One step on a dispute's timeline: who did what, when, at which tier."""

    __tablename__ = "dispute_event"
    __table_args__ = (CheckConstraint(f"kind IN {EVENT_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: system
    tier_id: Mapped[int] = mapped_column(ForeignKey("dispute_tier.id"))
    body: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    dispute: Mapped[Dispute] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
    tier: Mapped[DisputeTier] = relationship()


class DisputeAttachment(Base):
    """A file sent with a dispute. The bytes live under the private attachment folder
    as `storage_key`, never under static/; they are served only through the policy."""

    __tablename__ = "dispute_attachment"
    __table_args__ = (
        CheckConstraint(f"content_type IN {ATTACHMENT_TYPES}", name="content_type"),
        UniqueConstraint("storage_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("dispute_event.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dispute: Mapped[Dispute] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User] = relationship()
