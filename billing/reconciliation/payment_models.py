"""What a payment reconciliation run read and what it could not tie.

`ReconciliationItem` is one balance transaction as the run read it (from the report file
or from Stripe's API), with what the run tied it to: the payment or reversal the portal
holds for it, and the class it counts in. Items belong to their run: a run of other
inputs reads the same balance transactions again into its own items, so each run stays
a record of what it saw.

`ReconciliationException` is an item the run could not tie, for staff to resolve; the
resolution (how, by whom, when, why) is kept on it, and resolving changes the item's class
and so the run's figures. One exception per item at most.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.db import Base, UTCDateTime

EXCEPTION_KINDS = ("unmatched", "duplicate", "unknown_charge", "unknown_reversal",
                   "payout_mismatch")
RESOLUTIONS = ("assigned", "recorded", "refunded", "written_off", "explained")
EXCEPTION_STATES = ("open", "resolved")


class ReconciliationItem(Base):
    __tablename__ = "reconciliation_item"
    __table_args__ = (
        UniqueConstraint("run_id", "balance_transaction_id"),
        Index("ix_reconciliation_item_run_payout", "run_id", "payout_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id"))
    line: Mapped[int]  # in the file (header = 1), or the order Stripe listed it in
    balance_transaction_id: Mapped[str] = mapped_column(String(100))
    reporting_category: Mapped[str] = mapped_column(String(50))
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int]
    fee_minor: Mapped[int]
    net_minor: Mapped[int]
    created_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    # The provider's calendar month of `created_utc` ("2026-03"): fees add up per month.
    month: Mapped[str] = mapped_column(String(7))
    source_id: Mapped[str] = mapped_column(String(100), default="")
    charge_id: Mapped[str] = mapped_column(String(100), default="")
    payment_intent_id: Mapped[str] = mapped_column(String(100), default="")
    payout_id: Mapped[str] = mapped_column(String(100), default="")
    account_number: Mapped[str] = mapped_column(String(100), default="")
    item_class: Mapped[str] = mapped_column(String(24), default="")
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("payment_reversal.id"))


class ReconciliationException(Base):
    __tablename__ = "reconciliation_exception"
    __table_args__ = (
        CheckConstraint(f"kind IN {EXCEPTION_KINDS}", name="kind"),
        CheckConstraint(f"status IN {EXCEPTION_STATES}", name="status"),
        CheckConstraint(f"resolution IS NULL OR resolution IN {RESOLUTIONS}",
                        name="resolution"),
        UniqueConstraint("item_id"),
        Index("ix_reconciliation_exception_run_status", "run_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_item.id"))
    kind: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    # What is at stake: the item's gross, or for a payout the amount it is out by.
    amount_minor: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500), default="")

    item: Mapped[ReconciliationItem] = relationship()
