"""Commission plans, monthly runs and the lines a run earned.

A plan is data, effective-dated: the rates a partner earns from a date on, until its next
plan. A run is the record of one provider calendar month's commission; its lines are
keyed by (partner, allocation row, category) and each allocation row a run considered is
recorded once (`CommissionEvent`), so a second run of a month, or two runs at once, never
earn the same money twice. A line belongs to the month of the run that wrote
it: money recorded late is earned in a later month, never by rewriting a closed one.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.parties.models import Partner

CATEGORIES = ("recurring", "usage", "one_time")
RUN_STATUSES = ("draft", "approved")
PERCENT = Numeric(7, 4)


class CommissionPlan(Base):
    """A partner's percent per charge category, in force from `effective_from` on."""

    __tablename__ = "commission_plan"
    __table_args__ = (
        UniqueConstraint("partner_id", "effective_from"),
        *(CheckConstraint(f"{c}_rate >= 0 AND {c}_rate <= 100", name=f"{c}_rate_percent")
          for c in CATEGORIES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    effective_from: Mapped[date]
    recurring_rate: Mapped[Decimal] = mapped_column(PERCENT)
    usage_rate: Mapped[Decimal] = mapped_column(PERCENT)
    one_time_rate: Mapped[Decimal] = mapped_column(PERCENT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    partner: Mapped[Partner] = relationship()


class CommissionRun(Base):
    """One provider calendar month's commission run ("2026-03"): draft until approved.

    Approval fixes each partner's payable total per currency (`payables`, a list of
    {partner_id, currency, amount_minor}); after it the month takes no more lines.
    """

    __tablename__ = "commission_run"
    __table_args__ = (CheckConstraint(f"status IN {RUN_STATUSES}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    events_seen: Mapped[int] = mapped_column(default=0)
    lines_added: Mapped[int] = mapped_column(default=0)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payables: Mapped[list] = mapped_column(JSON, default=list)


class CommissionEvent(Base):
    """An allocation row a run has considered, whether or not it earned anything: the
    next run looks only at rows not here, so money seen once is never seen again."""

    __tablename__ = "commission_event"

    allocation_id: Mapped[int] = mapped_column(ForeignKey("payment_allocation.id"),
                                               primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("commission_run.id"), index=True)


class CommissionLine(Base):
    """What one partner earned (or lost, negative) on one money event in one category.

    The money event is an allocation row: a positive one is money paying an invoice; a
    negative one is money a refund or chargeback (`reversal_id`) took back: a clawback.
    `customer_id`, `invoice_id` and `reversal_id` are copies of what that allocation row
    names (the account billed), kept for the statements; the allocation's own foreign key
    vouches for them, so they carry none (a run writes hundreds of thousands of lines,
    and each foreign key is a lookup per row).
    """

    __tablename__ = "commission_line"
    __table_args__ = (
        UniqueConstraint("partner_id", "allocation_id", "category", name="uq_commission_event"),
        CheckConstraint(f"category IN {CATEGORIES}", name="category"),
        Index("ix_commission_line_partner_month", "partner_id", "month"),
        Index("ix_commission_line_run", "run_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("commission_run.id"))
    month: Mapped[str] = mapped_column(String(7))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"))
    customer_id: Mapped[int]
    invoice_id: Mapped[int]
    allocation_id: Mapped[int] = mapped_column(ForeignKey("payment_allocation.id"))
    reversal_id: Mapped[int | None]
    category: Mapped[str] = mapped_column(String(16))
    basis_minor: Mapped[int]
    rate: Mapped[Decimal] = mapped_column(PERCENT)
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
