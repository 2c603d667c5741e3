"""The rows a rebiller reconciliation leaves: one per end customer and what was compared.

Pages, CSV files, workbooks and the API all render a run from these stored rows, so what
one surface shows the others show too, and reading a run never reconciles it again.

A row is of one `kind`:
- "charge": one end customer's charges for one product (its code) or one call type
  (`usage:<call type>`), wholesale against retail: quantities and amounts;
- "tax": one end customer's taxes and fees, wholesale against retail;
- "invoice": one retail invoice the portal issued for the period (its number in `code`),
  what it billed against what was paid on it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from billing.catalog.models import RATE
from billing.core.db import Base

REBILLER_CLASSES = ("unbilled", "cancelled_but_billed", "below_cost", "quantity_mismatch",
                    "tax_mismatch", "unpaid", "ok")
ROW_KINDS = ("charge", "tax", "invoice")


class RebillerReconciliationRow(Base):
    __tablename__ = "rebiller_reconciliation_row"
    __table_args__ = (
        CheckConstraint(f"row_class IN {REBILLER_CLASSES}", name="row_class"),
        CheckConstraint(f"kind IN {ROW_KINDS}", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_run.id"), index=True)
    end_customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    kind: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(40))
    row_class: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    wholesale_quantity: Mapped[Decimal | None] = mapped_column(RATE)
    retail_quantity: Mapped[Decimal | None] = mapped_column(RATE)
    wholesale_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    retail_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    wholesale_tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    retail_tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    at_stake_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    due_date: Mapped[date | None]
