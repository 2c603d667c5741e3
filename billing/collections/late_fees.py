"""Late fees: charged on what an overdue invoice still collects (never on an amount a
dispute holds, never on a paid invoice), at most once per invoice per month, and billed
as their own line, "Late fee on invoice N", on the account's next invoice.

A fee is a line of kind "fee": taxes are computed on charges only
(billing.invoicing.drafting), so the tax rules leave it untaxed as they do other fees,
and commissions, which earn nothing on taxes and fees, earn nothing on it either.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from billing.collections import actions
from billing.collections.models import LateFeeCharge
from billing.collections.schedule import Terms
from billing.core import bulk
from billing.core.db import among
from billing.core.locks import lock_accounts, lock_invoices
from billing.core.money import Money, round_fraction
from billing.invoicing import balance
from billing.invoicing.models import Invoice, InvoiceLine

# What the balance rule needs of an invoice, and what a fee records of it.
BALANCE_COLUMNS = (Invoice.id, Invoice.customer_id, Invoice.number, Invoice.currency,
                   Invoice.due_date, Invoice.status, Invoice.total_minor,
                   Invoice.credit_minor, Invoice.paid_minor)


def fee_amount(terms: Terms, overdue_minor: int, currency: str) -> int:
    """The fee on an overdue collectible amount: a percent of it, rounded half-up once
    (billing.core.money), or the fixed amount of its currency; nothing on nothing."""
    if overdue_minor <= 0:
        return 0
    if terms.late_fee_mode == "percent":
        return round_fraction(Fraction(overdue_minor) * Fraction(terms.late_fee_percent) / 100)
    if terms.late_fee_mode == "fixed":
        return terms.late_fee_fixed.get(currency, 0)
    return 0


def charge_late_fees(session: Session, terms: Terms, due: list[tuple], today: date,
                     now: datetime) -> dict[int, tuple[str, int]]:
    """Charge the fees of `due` (invoice id, step) not charged yet; per invoice charged,
    (currency, amount). Takes the accounts' locks, then the invoices', lowest id first,
    and reads the balances afresh under them: a payment that came in meanwhile counts."""
    if not due:
        return {}
    steps = dict(due)
    invoices = session.execute(select(*BALANCE_COLUMNS).where(
        among(session, Invoice.id, list(steps)))).all()
    lock_accounts(session, {invoice.customer_id for invoice in invoices})
    lock_invoices(session, list(steps))
    invoices = session.execute(select(*BALANCE_COLUMNS).where(
        among(session, Invoice.id, list(steps)))).all()
    disputed = balance.disputed_at(session, list(steps), now)
    fees = {}
    for invoice in invoices:
        owed = balance.of_invoice(invoice, disputed.get(invoice.id, 0), today)
        amount = fee_amount(terms, owed.overdue_minor, invoice.currency)
        if amount > 0:
            fees[invoice.id] = (invoice, amount)
    claimed = actions.claim_many(session, [
        actions.row(invoice, steps[invoice.id], today, amount, now, "charged")
        for invoice, amount in fees.values()])
    rows = [dict(customer_id=invoice.customer_id, invoice_id=invoice.id,
                 invoice_number=invoice.number, month=steps[invoice.id].period,
                 currency=invoice.currency, amount_minor=amount, charged_on=today,
                 created_at=now)
            for invoice, amount in fees.values() if invoice.id in claimed]
    # Each fee's step was claimed just now, so no fee of that month can be there yet.
    bulk.insert_rows(session, LateFeeCharge.__table__, rows)
    return {row["invoice_id"]: (row["currency"], row["amount_minor"]) for row in rows}


def unbilled_fees(session: Session, account_ids) -> dict[int, list[LateFeeCharge]]:
    """Per account, its late fees not yet on an invoice, oldest first, locked so that
    two invoice runs cannot bill one fee twice."""
    ids = sorted(set(account_ids))
    found: dict[int, list[LateFeeCharge]] = {}
    if not ids:
        return found
    for fee in session.scalars(
            select(LateFeeCharge).where(among(session, LateFeeCharge.customer_id, ids),
                                        LateFeeCharge.billed_invoice_id.is_(None))
            .order_by(LateFeeCharge.customer_id, LateFeeCharge.charged_on, LateFeeCharge.id)
            .with_for_update()):
        found.setdefault(fee.customer_id, []).append(fee)
    return found


def fee_lines(invoice: Invoice, fees: list[LateFeeCharge]) -> list[int]:
    """The lines of the fees in the draft's currency, added to it; the fees it bills are
    kept on the draft (`late_fee_ids`) for `mark_billed` once it is saved."""
    added = []
    for fee in fees:
        if fee.currency != invoice.currency:
            continue
        line = InvoiceLine(position=len(invoice.lines) + 1, kind="fee",
                           description=f"Late fee on invoice {fee.invoice_number}"[:300],
                           quantity=Decimal(1), unit_price=Money(fee.amount_minor,
                                                                 fee.currency).major,
                           amount_minor=fee.amount_minor)
        invoice.lines.append(line)
        added.append(fee.id)
    invoice.late_fee_ids = added
    return added


def mark_billed(session: Session, invoices: list[Invoice]) -> None:
    """Note on each fee the saved draft that bills it."""
    for invoice in invoices:
        fee_ids = getattr(invoice, "late_fee_ids", None)
        if fee_ids:
            session.execute(update(LateFeeCharge).where(LateFeeCharge.id.in_(fee_ids))
                            .values(billed_invoice_id=invoice.id)
                            .execution_options(synchronize_session=False))
