"""E-mail waiting to be sent: every notice goes through here, so none is lost when the
mail server is down, and a sender retries with backoff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime

MAIL_STATES = ("pending", "sent", "failed")


class OutboundMail(Base):
    """One message to one address. `dedup_key`, when given, makes queueing it idempotent
    (e.g. one notice per dispute event)."""

    __tablename__ = "outbound_mail"
    __table_args__ = (
        CheckConstraint(f"status IN {MAIL_STATES}", name="status"),
        Index("ix_outbound_mail_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))  # what it is about, for reports
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
