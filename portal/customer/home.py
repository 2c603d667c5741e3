"""The customer's home: what the account owes, per currency, at a glance.

For each currency: the collectible balance (what may be paid now), what open disputes
hold apart, what is overdue, and what falls due next and when. Read from the balance
module over the invoices the user may see and pay (its account and the sub-accounts
billed under it), in two queries however many invoices there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from billing.core.clock import provider_date
from billing.invoicing import balance
from billing.invoicing.balance import BILLED_STATUSES
from billing.invoicing.models import Invoice
from portal import access
from portal.extensions import db


@dataclass(frozen=True)
class Owed:
    currency: str
    collectible_minor: int
    held_minor: int
    overdue_minor: int
    overdue_invoices: int
    next_due_on: date | None  # the earliest due date still to come with something to pay
    next_due_minor: int  # what is collectible on that day's invoices


def owed_by_currency(user, now: datetime) -> list[Owed]:
    """Per currency (alphabetical), what the user's accounts owe at `now`."""
    today = provider_date(now)
    invoices = db.session.scalars(access.invoices_query(db.session, user).where(
        Invoice.status.in_(BILLED_STATUSES), Invoice.issue_date <= today)).all()
    figures = balance.invoice_balances(db.session, invoices, now)
    by_currency: dict[str, list] = {}
    for invoice in invoices:
        by_currency.setdefault(invoice.currency, []).append((invoice, figures[invoice.id]))
    return [_owed(currency, rows, today) for currency, rows in sorted(by_currency.items())]


def _owed(currency: str, rows, today: date) -> Owed:
    total = balance.by_currency(owed for _, owed in rows)[currency]
    coming = [(i.due_date, owed.collectible_minor) for i, owed in rows
              if owed.collectible_minor > 0 and i.due_date is not None and i.due_date >= today]
    next_day = min((day for day, _ in coming), default=None)
    return Owed(currency, total.collectible_minor, total.held_minor, total.overdue_minor,
                sum(1 for _, owed in rows if owed.is_overdue), next_day,
                sum(amount for day, amount in coming if day == next_day))
