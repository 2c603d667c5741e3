"""What a partner earned, read back from the lines of commission runs.

A partner's statement for a month is its own lines only (what it earned, as the serving
partner or as an override above a sub-agent), per account and currency; whether each
account's amounts may be shown on their own is the portal's access policy, not here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.commissions.models import CommissionLine, CommissionRun
from billing.parties.models import Customer, Partner


@dataclass(frozen=True)
class AccountEarning:
    customer_id: int
    serving_partner_id: int | None  # the partner serving the account (self or a sub-agent)
    currency: str
    category: str
    basis_minor: int
    amount_minor: int


def month_status(session: Session, month: str) -> str | None:
    """"approved", "draft" (pending) or None when no run has been made for the month."""
    return session.scalar(select(CommissionRun.status).where(CommissionRun.month == month))


def approved_months(session: Session, limit: int = 24) -> list[str]:
    return list(session.scalars(select(CommissionRun.month).where(
        CommissionRun.status == "approved").order_by(CommissionRun.month.desc()).limit(limit)))


def account_earnings(session: Session, partner_id: int, month: str) -> list[AccountEarning]:
    """The partner's lines of the month summed per account, currency and category."""
    rows = session.execute(
        select(CommissionLine.customer_id, Customer.partner_id, CommissionLine.currency,
               CommissionLine.category, func.sum(CommissionLine.basis_minor),
               func.sum(CommissionLine.amount_minor))
        .join(Customer, Customer.id == CommissionLine.customer_id)
        .where(CommissionLine.partner_id == partner_id, CommissionLine.month == month)
        .group_by(CommissionLine.customer_id, Customer.partner_id, CommissionLine.currency,
                  CommissionLine.category)
        .order_by(CommissionLine.customer_id, CommissionLine.currency, CommissionLine.category))
    return [AccountEarning(c, s, cur, cat, int(b), int(a)) for c, s, cur, cat, b, a in rows]


def monthly_totals(session: Session, partner_id: int, months: list[str]) -> dict:
    """{month: {currency: amount_minor}} of the partner's lines in these months."""
    totals: dict = {month: {} for month in months}
    for month, currency, amount in session.execute(
            select(CommissionLine.month, CommissionLine.currency,
                   func.sum(CommissionLine.amount_minor))
            .where(CommissionLine.partner_id == partner_id, CommissionLine.month.in_(months))
            .group_by(CommissionLine.month, CommissionLine.currency)):
        totals[month][currency] = int(amount)
    return totals


def sub_agent_below(session: Session, partner: Partner, serving_ids) -> dict[int, int | None]:
    """For each serving partner, the partner's direct sub-agent above it (None when the
    partner serves the account itself): whose override a line is."""
    paths = dict(session.execute(select(Partner.id, Partner.tree_path)
                                 .where(Partner.id.in_(set(serving_ids)))).all())
    result = {}
    for serving_id, path in paths.items():
        ids = [int(part) for part in path.split("/") if part]
        below = ids[ids.index(partner.id) + 1:] if partner.id in ids else []
        result[serving_id] = below[0] if below else None
    return result


def partner_totals_by_currency(earnings) -> dict[str, int]:
    totals = defaultdict(int)
    for earning in earnings:
        totals[earning.currency] += earning.amount_minor
    return dict(sorted(totals.items()))
