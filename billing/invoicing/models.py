"""Invoices, their lines, and credit notes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.catalog.models import RATE
from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.parties.models import Customer

INVOICE_STATUSES = ("draft", "issued", "partially_paid", "paid", "void")
LINE_KINDS = ("recurring", "one_time", "usage", "proration", "tax", "fee", "credit")
# What a line's unit price is per: a minute of calls, a month of a recurring service, a
# share of a taxable base (percent), a seat or line, a telephone number.
RATE_UNITS = ("minute", "month", "percent", "line", "number")
CREDIT_REASONS = ("sla", "dispute", "goodwill")


class Invoice(Base):
    """One customer's bill for one period. Once issued it never changes.

    What it still owes (open, held by disputes, due, overdue) is not a column: ask
    `billing.invoicing.balance`.
    """

    __tablename__ = "invoice"
    __table_args__ = (
        CheckConstraint(f"status IN {INVOICE_STATUSES}", name="status"),
        CheckConstraint("status = 'draft' OR number IS NOT NULL", name="issued_has_number"),

        # Lists sort by (period_end, id); with these the page ids and the count per
        # partner come from the indexes alone on PostgreSQL (see tests/benchmarks).
        Index("ix_invoice_period_end_id", "period_end", "id",
              postgresql_include=["customer_id", "status"]),
        # One invoice per customer and period: what makes a rerun of a period a no-op.
        Index("uq_invoice_customer_period", "customer_id", "period_end", unique=True,
              postgresql_include=["status"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    period_start: Mapped[date]
    period_end: Mapped[date]
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None]
    # active_history: the immutability guard needs the stored status even when expired.
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True,
                                        active_history=True)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(default=0)
    tax_minor: Mapped[int] = mapped_column(default=0)
    credit_minor: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int] = mapped_column(default=0)
    paid_minor: Mapped[int] = mapped_column(default=0)
    bill_to: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position"
    )

    @property
    def period_key(self) -> str:
        return f"{self.period_end.year:04d}-{self.period_end.month:02d}"


class InvoiceLine(Base):
    """One charge, usage summary, tax, fee or credit on an invoice, rounded once."""

    __tablename__ = "invoice_line"
    __table_args__ = (CheckConstraint(f"kind IN {LINE_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(300))
    sub_account_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    call_type: Mapped[str | None] = mapped_column(String(32))
    jurisdiction: Mapped[str | None] = mapped_column(String(100))
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_note.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(RATE)
    unit_price: Mapped[Decimal] = mapped_column(RATE)
    amount_minor: Mapped[int]
    # One of RATE_UNITS, filled when drafting. None on lines drafted before these were
    # kept, and where they mean nothing (a credit, a proration, a one-time charge).
    rate_unit: Mapped[str | None] = mapped_column(String(16))
    call_count: Mapped[int | None]  # usage lines: how many calls the minutes are of

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class CreditNote(Base):
    """A reduction of what a customer owes; says why and what it refers to.

    It is applied on the customer's next invoices as credit lines; what one invoice
    cannot absorb stays in `remaining_minor` for the one after.
    """

    __tablename__ = "credit_note"
    __table_args__ = (
        CheckConstraint(f"reason IN {CREDIT_REASONS}", name="reason"),
        CheckConstraint("amount_minor > 0", name="positive"),
        CheckConstraint("remaining_minor >= 0 AND remaining_minor <= amount_minor",
                        name="remaining_within_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int]
    reason: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(200))
    remaining_minor: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()


class NumberSeries(Base):
    """The last number given in one series of documents (e.g. invoices in USD for 2026).

    The row is locked while a number is taken, in the same transaction that issues the
    document, so numbers are never skipped or given twice.
    """

    __tablename__ = "number_series"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
