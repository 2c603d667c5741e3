"""The record every reconciliation run leaves, whichever kind it is.

A run is identified by its kind and its inputs (`input_key`: the uploaded file's SHA-256,
or the sync window, with the rebiller and period for a rebiller run), under a unique
constraint: starting the same inputs again finds the run already made instead of
recording a second one. `figures` holds the counts and amounts per class and currency,
`{class: {currency: {"count": n, "amount_minor": m}}}`, which resolving an exception
updates; `total`/`done`/`progress_at` are what a progress bar polls.

The file a run reads is kept beside it (`ReconciliationInput`), so that whichever process
does the run (a worker on another machine, or this one) reads the same bytes, and staff
can see later exactly what was reconciled.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime

RUN_KINDS = ("payments", "rebiller")
RUN_STATES = ("running", "done", "failed")


class ReconciliationRun(Base):
    __tablename__ = "reconciliation_run"
    __table_args__ = (
        CheckConstraint(f"kind IN {RUN_KINDS}", name="kind"),
        CheckConstraint(f"state IN {RUN_STATES}", name="state"),
        UniqueConstraint("kind", "input_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    input_key: Mapped[str] = mapped_column(String(200))
    # What a person reads: the file's name, or the sync window in words.
    input_label: Mapped[str] = mapped_column(String(300), default="")
    # A rebiller run's rebiller and period; None for payment runs.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    # A payment run's sync window, None when it read a file.
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="running")
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    failure: Mapped[str] = mapped_column(String(500), default="")


class ReconciliationInput(Base):
    """The uploaded file of a run (up to the upload limit), as it was received."""

    __tablename__ = "reconciliation_input"

    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id"), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
