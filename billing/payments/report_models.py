"""Each balance transaction of a Stripe balance-change report, as the portal first saw it.

One row per Stripe balance transaction id (unique), keeping the report's own figures
(gross, fee, net in the settlement currency, the payout that paid it out) beside what the
portal did with it: its class, the payment or reversal it tied to, and what that
allocated. Importing the file again finds the row and returns its stored result, so a
report is applied once however often it is imported; reconciliation reads these rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime

REPORT_CLASSES = ("matched", "partial", "overpaid", "duplicate", "unmatched", "refund",
                  "chargeback", "chargeback_reversal", "fee", "payout", "replayed")


class StripeBalanceTransaction(Base):
    __tablename__ = "stripe_balance_transaction"
    __table_args__ = (CheckConstraint(f"result_class IN {REPORT_CLASSES}", name="result_class"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    balance_transaction_id: Mapped[str] = mapped_column(String(100), unique=True)
    reporting_category: Mapped[str] = mapped_column(String(50))
    result_class: Mapped[str] = mapped_column(String(24))
    # The report's figures, in its (settlement) currency.
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int]
    fee_minor: Mapped[int]
    net_minor: Mapped[int]
    created_utc: Mapped[datetime] = mapped_column(UTCDateTime)
    available_on_utc: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_id: Mapped[str] = mapped_column(String(100), default="")
    charge_id: Mapped[str] = mapped_column(String(100), default="")
    payment_intent_id: Mapped[str] = mapped_column(String(100), default="")
    stripe_customer_id: Mapped[str] = mapped_column(String(100), default="")
    automatic_payout_id: Mapped[str] = mapped_column(String(100), default="", index=True)
    automatic_payout_effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the payment named (payment_metadata[...]) and what the portal did with it,
    # in the currency the customer paid in.
    account_number: Mapped[str] = mapped_column(String(100), default="")
    invoice_numbers: Mapped[str] = mapped_column(String(500), default="")
    amount_currency: Mapped[str] = mapped_column(String(3))
    allocated_minor: Mapped[int] = mapped_column(default=0)
    unapplied_minor: Mapped[int] = mapped_column(default=0)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("payment_reversal.id"))
    outcome: Mapped[str] = mapped_column(String(300), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
