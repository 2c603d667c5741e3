"""Statement batches: many accounts' statements for one period, rendered by workers side
by side and handed out as one ZIP with a manifest.

A batch is a record keyed by its inputs (who it is for, which accounts, the period, the
language and, for a partner, which customers' CPNI it may show), so asking for the same
batch again finds the stored one instead of rendering it twice.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime

BATCH_STATES = ("rendering", "done", "failed")
AUDIENCES = ("staff", "partner")


class StatementBatch(Base):
    """One asked-for batch: its inputs, its progress and, once done, its ZIP's name.

    `done` counts the statements rendered so far out of `total`; `manifest` holds one
    entry per statement (account, file name, whether its amounts were withheld).
    """

    __tablename__ = "statement_batch"
    __table_args__ = (
        CheckConstraint(f"state IN {BATCH_STATES}", name="state"),
        CheckConstraint(f"audience IN {AUDIENCES}", name="audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # digest of the inputs
    audience: Mapped[str] = mapped_column(String(8))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # staff: the partner whose customers are in the batch (none: all accounts);
    # partner: the asking partner, whose reach the batch covers
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    locale: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default="rendering")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manifest: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def progress(self) -> int:
        """Percent of the statements rendered (a finished empty batch is 100)."""
        if self.state == "done" or not self.total:
            return 100 if self.state == "done" else 0
        return min(100, self.done * 100 // self.total)


class StatementBatchSlice(Base):
    """A slice of a batch's accounts, rendered by one worker task.

    A slice is marked done, with its manifest entries, in the transaction that counts it
    on the batch, so a task delivered twice counts its statements once.
    """

    __tablename__ = "statement_batch_slice"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("statement_batch.id", ondelete="CASCADE"), index=True)
    accounts: Mapped[list] = mapped_column(JSON)  # customer ids, in account order
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entries: Mapped[list] = mapped_column(JSON, default=list)  # manifest entries
