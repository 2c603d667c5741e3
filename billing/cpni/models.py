"""CPNI approvals a customer gives partners, and the log of every disclosure."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.parties.models import Customer, Partner
from billing.parties.users import User

SCOPES = ("billing", "billing_usage")
METHODS = ("online", "written", "oral")
SURFACES = ("page", "api", "export", "pdf")
PURPOSES = ("billing", "support", "partner_access")


class CpniApproval(Base):
    """A customer's opt-in for one partner to see its CPNI, until revoked or expired."""

    __tablename__ = "cpni_approval"
    __table_args__ = (
        CheckConstraint(f"scope IN {SCOPES}", name="scope"),
        CheckConstraint(f"method IN {METHODS}", name="method"),
        Index("ix_cpni_approval_customer_partner", "customer_id", "partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_by_name: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    customer: Mapped[Customer] = relationship()
    partner: Mapped[Partner] = relationship()

    def in_force(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class CpniDisclosure(Base):
    """One disclosure of a customer's CPNI to someone other than the customer.

    Append-only and hash-chained (billing/cpni/audit.py). A request inserts an entry
    unsealed (no `sequence`, no hashes); the sealer then gives it its gapless `sequence`,
    `previous_hash` (the entry before it) and `entry_hash`, a keyed hash over all three.
    The database refuses every other update, and every delete.
    """

    __tablename__ = "cpni_disclosure"
    __table_args__ = (
        CheckConstraint(f"surface IN {SURFACES}", name="surface"),
        CheckConstraint(f"purpose IN {PURPOSES}", name="purpose"),
        # The sealer's next batch, in id order, without reading the sealed log.
        Index("ix_cpni_disclosure_unsealed", "id", postgresql_where=text("sequence IS NULL"),
              sqlite_where=text("sequence IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    surface: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    # For staff on a customer's call: how the caller was verified (compliance methods).
    verification: Mapped[str | None] = mapped_column(String(16))
    # Indexed for the yearly certification counts.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sequence: Mapped[int | None] = mapped_column(unique=True)
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))

    customer: Mapped[Customer] = relationship()
    user: Mapped[User] = relationship()
    partner: Mapped[Partner | None] = relationship()


class AuditChainHead(Base):
    """The last sealed entry of a hash-chained log; only the sealer locks and moves it."""

    __tablename__ = "audit_chain_head"

    chain: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_sequence: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))
