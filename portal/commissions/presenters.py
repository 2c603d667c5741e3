"""The dicts the commission page, PDF, workbook and API render, cut by the access policy.

A partner sees only its own lines: what it earned on the accounts it serves and, for an
agency, its overrides grouped by the sub-agent they came through. An account's amounts
appear on their own only while its CPNI approval for this partner is in force
(`portal.access`); the other accounts of a group are added up into one line per currency.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.commissions import months, statements
from billing.commissions.calculation import CATEGORIES
from billing.parties.models import Customer, Partner
from billing.parties.users import User
from portal import access
from portal.invoicing.presenters import money


def statement(session: Session, user: User, month: str, now: datetime, *,
              surface: str = "page", partner: Partner | None = None) -> dict:
    """One month of a partner's commission (the user's own unless a partner within its
    reach is named), cut by the user's access; logs each account's disclosure."""
    partner = partner or user.partner
    earnings = statements.account_earnings(session, partner.id, month)
    customers = {c.id: c for c in session.scalars(
        select(Customer).where(Customer.id.in_({e.customer_id for e in earnings})))}
    grants = access.cpni_access_many(session, user, customers.values(), now)
    below = statements.sub_agent_below(session, partner, {e.serving_partner_id
                                                          for e in earnings})
    groups = defaultdict(list)
    for earning in earnings:
        groups[below.get(earning.serving_partner_id)].append(earning)
    names = dict(session.execute(select(Partner.id, Partner.name)
                                 .where(Partner.id.in_([g for g in groups if g]))).all())
    access.record_disclosures(
        session, user, {cid: grants[cid] for cid in customers}, surface=surface,
        subject=f"commission {month}", now=now)
    return {
        "partner": {"id": partner.id, "code": partner.code, "name": partner.name},
        "month": month, "status": statements.month_status(session, month),
        "groups": [_group(key, names.get(key), groups[key], customers, grants)
                   for key in sorted(groups, key=lambda k: (k is not None, names.get(k, "")))],
        "totals": _totals(earnings),
    }


def _group(sub_agent_id, name, earnings, customers, grants) -> dict:
    shown, hidden = defaultdict(lambda: defaultdict(int)), defaultdict(set)
    hidden_totals = defaultdict(int)
    for earning in earnings:
        if grants[earning.customer_id].visible:
            shown[earning.customer_id, earning.currency][earning.category] += \
                earning.amount_minor
        else:
            hidden[earning.currency].add(earning.customer_id)
            hidden_totals[earning.currency] += earning.amount_minor
    accounts = []
    for (customer_id, currency), by_category in sorted(
            shown.items(), key=lambda item: (customers[item[0][0]].account_number, item[0][1])):
        customer = customers[customer_id]
        accounts.append({
            "account_number": customer.account_number, "name": customer.name,
            "currency": currency,
            "categories": {c: money(by_category.get(c, 0), currency) for c in CATEGORIES},
            "total": money(sum(by_category.values()), currency)})
    others = [{"currency": currency, "accounts": len(hidden[currency]),
               "total": money(hidden_totals[currency], currency)}
              for currency in sorted(hidden)]
    return {"sub_agent": {"id": sub_agent_id, "name": name} if sub_agent_id else None,
            "accounts": accounts, "others": others, "totals": _totals(earnings)}


def _totals(earnings) -> list[dict]:
    return [money(amount, currency) for currency, amount in
            statements.partner_totals_by_currency(earnings).items()]


def overview(session: Session, user: User, now: datetime) -> dict:
    """This month so far, the past twelve months' totals (for the chart) and the months
    approved, of the user's partner. Totals only: no account appears here."""
    recent = months.recent(now, 12)
    totals = statements.monthly_totals(session, user.partner_id, recent)
    approved = set(statements.approved_months(session, limit=36))
    return {
        "current": {"month": recent[-1], "totals": _money_list(totals[recent[-1]])},
        "months": [{"month": month, "approved": month in approved,
                    "totals": _money_list(totals[month])} for month in reversed(recent)],
        "currencies": sorted({c for by in totals.values() for c in by}),
        "chart": {month: totals[month] for month in recent},
    }


def _money_list(by_currency: dict) -> list[dict]:
    return [money(amount, currency) for currency, amount in sorted(by_currency.items())]
