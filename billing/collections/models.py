"""Collections as data: the dunning policy, who is exempt from it, autopay enrolments,
the log of every step taken, and the late fees waiting for the next invoice.

The action log's unique key (invoice, kind, step, period) is what makes the daily job
idempotent and safe to run twice at once: a step is inserted-or-skipped under the
constraint before it is acted on, so only one job ever acts on it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime

LATE_FEE_MODES = ("none", "percent", "fixed")
ACTION_KINDS = ("reminder", "autopay", "late_fee")
ACTION_OUTCOMES = ("sent", "succeeded", "failed", "pending", "charged", "nothing_due")
METHOD_KINDS = ("card", "sepa_debit")

# The policy the portal starts with (DESIGN section 7): reminders 3 days before the due
# date, on it, 7 and 14 days after; autopay 3 business days before, retried after 1, 3
# and 5 days; a late fee of 1.5 % of the overdue collectible amount after 5 days' grace.
DEFAULT_POLICY = dict(reminder_offsets=[-3, 0, 7, 14], autopay_lead_days=3,
                      retry_days=[1, 3, 5], grace_days=5, late_fee_mode="percent",
                      late_fee_percent=Decimal("1.5"), late_fee_fixed={})


class DunningPolicy(Base):
    """The one dunning policy in force: reminder steps (calendar days relative to the due
    date: negative before, 0 on, positive after), autopay lead and retries, grace period
    and late fee. Staff edit it; every change is stamped with who and when."""

    __tablename__ = "dunning_policy"
    __table_args__ = (
        CheckConstraint(f"late_fee_mode IN {LATE_FEE_MODES}", name="late_fee_mode"),
        CheckConstraint("grace_days >= 0", name="grace_not_negative"),
        CheckConstraint("autopay_lead_days >= 0", name="lead_not_negative"),
        CheckConstraint("late_fee_percent >= 0 AND late_fee_percent <= 100",
                        name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_offsets: Mapped[list] = mapped_column(JSON, default=list)
    autopay_lead_days: Mapped[int] = mapped_column(default=3)
    retry_days: Mapped[list] = mapped_column(JSON, default=list)
    grace_days: Mapped[int] = mapped_column(default=0)
    late_fee_mode: Mapped[str] = mapped_column(String(16), default="none")
    late_fee_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4), default=Decimal(0))
    # Per currency, the fixed fee in minor units, e.g. {"USD": 2500, "EUR": 2000}.
    late_fee_fixed: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class DunningExemption(Base):
    """An account, or every account of a partner, that gets no reminder and no late fee."""

    __tablename__ = "dunning_exemption"
    __table_args__ = (
        CheckConstraint("(customer_id IS NULL) <> (partner_id IS NULL)", name="one_target"),
        UniqueConstraint("customer_id"),
        UniqueConstraint("partner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AutopayEnrolment(Base):
    """An account's standing order to charge its saved method (a card or a SEPA mandate
    kept with Stripe) for its invoices in one currency. Opting out keeps the row with
    `cancelled_at` set, so the next charge is not made; opting in again revives it."""

    __tablename__ = "autopay_enrolment"
    __table_args__ = (
        UniqueConstraint("customer_id", "currency"),
        CheckConstraint(f"method_type IN {METHOD_KINDS}", name="method_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    currency: Mapped[str] = mapped_column(String(3))
    payment_method_id: Mapped[str] = mapped_column(String(100))
    method_type: Mapped[str] = mapped_column(String(16), default="card")
    method_label: Mapped[str] = mapped_column(String(100), default="")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None


class CollectionAction(Base):
    """One step of collections taken on one invoice: a reminder, an autopay attempt (step
    0 the first charge, 1.. its retries) or a late fee (step: its month's count).

    `period` is the day (YYYY-MM-DD) or, for late fees, the month (YYYY-MM) the step
    belongs to; with the unique key it makes each step happen once however often, and
    however many at once, the job runs.
    """

    __tablename__ = "collection_action"
    __table_args__ = (
        UniqueConstraint("invoice_id", "kind", "step", "period"),
        CheckConstraint(f"kind IN {ACTION_KINDS}", name="kind"),
        CheckConstraint(f"outcome IN {ACTION_OUTCOMES}", name="outcome"),
        Index("ix_collection_action_taken_on", "taken_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    step: Mapped[int]
    period: Mapped[str] = mapped_column(String(10))
    taken_on: Mapped[date]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    detail: Mapped[str] = mapped_column(String(300), default="")
    external_id: Mapped[str | None] = mapped_column(String(100))


class LateFeeCharge(Base):
    """A late fee charged on an overdue invoice, waiting to be billed as its own line
    ("Late fee on invoice N") on the account's next invoice in that currency."""

    __tablename__ = "late_fee_charge"
    __table_args__ = (
        UniqueConstraint("invoice_id", "month"),
        CheckConstraint("amount_minor > 0", name="positive"),
        Index("ix_late_fee_charge_unbilled", "customer_id", "billed_invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"))
    invoice_number: Mapped[str] = mapped_column(String(32))
    month: Mapped[str] = mapped_column(String(7))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    charged_on: Mapped[date]
    billed_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CollectionDay(Base):
    """How far the job has got through one provider day: the invoices up to
    `through_invoice_id` have been examined (each chunk notes it as it commits), and
    `finished_at` is set once the whole day was. A run of a finished day does nothing; a
    run after a crash resumes after the last chunk committed."""

    __tablename__ = "collection_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    through_invoice_id: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
