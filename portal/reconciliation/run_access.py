"""The access policy's rules for reconciliation runs: which runs a user reaches, and
which end customers' rows of a rebiller run it sees.

Kept out of portal/access.py only for length; CPNI is still decided there
(`access.cpni_access_many`), and every reconciliation surface asks these functions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.errors import NotFound
from billing.parties.users import User
from billing.reconciliation.models import ReconciliationRun
from portal import access


def reconciliation_runs_query(user: User):
    """Billing staff reach every run; a rebiller's people its own rebiller runs (whose
    rows then follow each end customer's approval); anyone else none."""
    query = select(ReconciliationRun)
    if user.is_billing_staff:
        return query
    if user.is_partner and user.partner.kind == "wholesale":
        return query.where(ReconciliationRun.kind == "rebiller",
                           ReconciliationRun.partner_id == user.partner_id)
    return query.where(ReconciliationRun.id.is_(None))


def get_reconciliation_run(session: Session, user: User, run_id) -> ReconciliationRun:
    found = session.scalars(reconciliation_runs_query(user).where(
        ReconciliationRun.id == access._as_id(run_id))).first()
    if found is None:
        raise NotFound("No such reconciliation run.")
    return found


def reconciliation_access(session: Session, user: User, end_customers,
                          now: datetime) -> dict[int, access.CpniAccess]:
    """Per end customer of a rebiller run, whether its row is shown: to billing staff,
    for billing (reconciling is billing the customer; each disclosure is logged); to the
    rebiller, while the end customer's approval is in force."""
    end_customers = list(end_customers)
    purposes = ({c.id: "billing" for c in end_customers} if user.is_billing_staff
                else None)
    return access.cpni_access_many(session, user, end_customers, now, purposes)
