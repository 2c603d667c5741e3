"""Setting a partner's commission plan from a date (the staff form; CSV imports upsert
the same rows through billing/imports/commission_kinds.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.commissions.models import CATEGORIES, CommissionPlan
from billing.core.errors import InvalidInput, NotFound
from billing.parties.models import Partner


def set_plan(session: Session, partner_code: str, effective_from: date,
             rates: dict[str, Decimal]) -> CommissionPlan:
    """Create or replace the partner's plan in force from `effective_from`."""
    partner = session.scalar(select(Partner).where(Partner.code == partner_code.strip()))
    if partner is None:
        raise NotFound(f"No partner {partner_code!r}.")
    if partner.kind == "wholesale":
        raise InvalidInput("A wholesale rebiller earns no commission.", code="wholesale")
    if any(not Decimal(0) <= rates[c] <= Decimal(100) for c in CATEGORIES):
        raise InvalidInput("A rate is a percent from 0 to 100.")
    plan = session.scalar(select(CommissionPlan).where(
        CommissionPlan.partner_id == partner.id, CommissionPlan.effective_from == effective_from))
    if plan is None:
        plan = CommissionPlan(partner_id=partner.id, effective_from=effective_from)
        session.add(plan)
    for category in CATEGORIES:
        setattr(plan, f"{category}_rate", rates[category])
    session.flush()
    return plan
