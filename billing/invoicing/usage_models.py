"""Rated usage records (call detail) and invoice runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from billing.catalog.models import RATE
from billing.core.clock import BillPeriod, period_ending_in, utcnow
from billing.core.db import Base, UTCDateTime

CALL_TYPES = ("local", "long_distance", "international", "toll_free")
RUN_STATES = ("running", "drafted", "issuing", "issued")
ACTIVE_RUN_STATES = ("running", "issuing")  # a worker is drafting or issuing
_ACTIVE = text(f"state IN {ACTIVE_RUN_STATES}")


class UsageRecord(Base):
    """One rated call: its type, destination, start, minutes and per-minute rate.

    `source_ref` is the record's id in the rating system, so a re-import updates rather
    than duplicates.
    """

    __tablename__ = "usage_record"
    __table_args__ = (
        CheckConstraint(f"call_type IN {CALL_TYPES}", name="call_type"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        Index("ix_usage_record_customer_started", "customer_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_ref: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    call_type: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[Decimal] = mapped_column(RATE)
    rate: Mapped[Decimal] = mapped_column(RATE)


class InvoiceRun(Base):
    """One invoice run for a bill period: who started it, how far it got, what it made.

    `total` and `done` count the accounts (while drafting) or drafts (while issuing) of the
    current pass, and `progress_at` is when its worker last wrote them; an active run whose
    worker has stopped writing is taken for dead and may be started again. At most one run
    per period is active, so a second start cannot add a second worker.
    """

    __tablename__ = "invoice_run"
    __table_args__ = (
        CheckConstraint(f"state IN {RUN_STATES}", name="state"),
        Index("uq_invoice_run_active_period", "period_end", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_end: Mapped[date] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(16), default="running")
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drafted: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failures: Mapped[list] = mapped_column(JSON, default=list)  # [account, why] of the last pass
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def period(self) -> BillPeriod:
        return period_ending_in(self.period_end.year, self.period_end.month)


class InvoiceRunSlice(Base):
    """A slice of a run's drafting pass, for workers to draft side by side.

    A pass spread over workers is planned as slices of accounts (`run_slices`); each is
    drafted in one transaction that also marks it done, so a slice is counted once however
    often its task is delivered. The slices of a run live only while its pass does.
    """

    __tablename__ = "invoice_run_slice"
    # Ids are never reused (SQLite would reuse a deleted plan's), so a task of an old plan
    # can never take a slice of the new one for its own.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("invoice_run.id", ondelete="CASCADE"),
                                        index=True)
    accounts: Mapped[list] = mapped_column(JSON)  # customer ids, in account order
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drafted: Mapped[int] = mapped_column(default=0)
    failures: Mapped[list] = mapped_column(JSON, default=list)  # [account, why]
