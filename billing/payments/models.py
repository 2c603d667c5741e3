"""Payments, what each paid (allocations), money that went back (reversals), and Stripe's ids.

A payment never changes once recorded, but for the one move out of the suspense queue
(an unmatched payment assigned to an account by staff). What it paid is a list of
allocation rows; a refund or chargeback is a reversal row pointing at the payment, and
the allocations it undid are negative allocation rows pointing at that reversal. Sums
of rows, never an edited number, say what a payment or an invoice holds at any instant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.invoicing.models import Invoice
from billing.parties.models import Customer

PAYMENT_METHODS = ("card", "sepa_debit", "cheque", "wire", "ach")
OFFLINE_METHODS = ("cheque", "wire", "ach")
PAYMENT_SOURCES = ("stripe", "staff", "report", "demo")
PAYMENT_CLASSES = ("matched", "partial", "overpaid", "duplicate", "unmatched")
REVERSAL_KINDS = ("refund", "chargeback", "chargeback_reversal")


class Payment(Base):
    """Money received from one account (or, while unmatched, from nobody known yet)."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="positive"),
        CheckConstraint(f"method IN {PAYMENT_METHODS}", name="method"),
        CheckConstraint(f"source IN {PAYMENT_SOURCES}", name="source"),
        CheckConstraint(f"payment_class IN {PAYMENT_CLASSES}", name="payment_class"),
        CheckConstraint("customer_id IS NOT NULL OR payment_class = 'unmatched'",
                        name="unmatched_has_no_account"),
        Index("ix_payment_customer_received", "customer_id", "received_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))
    # The outside transaction's own id (PaymentIntent, balance transaction, bank
    # reference): seeing it again changes nothing.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    named_invoices: Mapped[list] = mapped_column(JSON, default=list)
    payment_class: Mapped[str] = mapped_column(String(16))
    payer_note: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assignment_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer | None] = relationship()
    allocations: Mapped[list[PaymentAllocation]] = relationship(
        back_populates="payment", order_by="PaymentAllocation.id")
    reversals: Mapped[list[PaymentReversal]] = relationship(
        back_populates="payment", order_by="PaymentReversal.id")


class PaymentReversal(Base):
    """Money that went back (refund, chargeback) or came back (chargeback reversal)."""

    __tablename__ = "payment_reversal"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="positive"),
        CheckConstraint(f"kind IN {REVERSAL_KINDS}", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    amount_minor: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    payment: Mapped[Payment] = relationship(back_populates="reversals")


class PaymentAllocation(Base):
    """Part of a payment paying one invoice; negative when a reversal took it back."""

    __tablename__ = "payment_allocation"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="not_zero"),
        CheckConstraint("amount_minor > 0 OR reversal_id IS NOT NULL",
                        name="undone_only_by_reversal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    amount_minor: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("payment_reversal.id"))

    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice: Mapped[Invoice] = relationship()


class StripeCustomer(Base):
    """The Stripe customer the portal created for one account in one currency."""

    __tablename__ = "stripe_customer"
    __table_args__ = (UniqueConstraint("customer_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    currency: Mapped[str] = mapped_column(String(3))
    stripe_id: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StripeEvent(Base):
    """A webhook event, kept by its id: a delivery seen before is not processed again."""

    __tablename__ = "stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str] = mapped_column(String(100), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(300), default="")
