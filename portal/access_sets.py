"""The access policy (`portal/access.py`) for pages that sum over a partner's customers:
the same decisions as `cpni_access_many`, as SQL clauses instead of a grant per loaded
customer, so such a page costs a constant number of queries however many customers the
partner has, and nothing is loaded to decide or to log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.cpni import approvals
from billing.parties.models import Customer
from billing.parties.users import User
from portal.access import approval_filter, customer_scope


def own_wholesale_account(user: User):
    """A clause on Customer: the rebiller's own wholesale account, its own bill (not a
    customer's, so neither counted among its customers nor a disclosure)."""
    return (Customer.billing_role == "wholesale") & (Customer.partner_id == user.partner_id)


def approving_customers(session: Session, user: User, now: datetime):
    """A select of the ids of the partner's customers whose CPNI it sees now (approval
    in force, the sub-accounts under their corporate's): what `cpni_access_many` lets
    through, for figures summed over them and for their disclosure."""
    return select(Customer.id).where(customer_scope(session, user),
                                     approval_filter(user, "active", now),
                                     ~own_wholesale_account(user))


def approval_state_counts(session: Session, user: User, now: datetime) -> dict[str, int]:
    """How many of the partner's customers are in each approval state ("active": the
    ones `approving_customers` selects), its own wholesale account left out."""
    return approvals.state_counts(session, user.partner_id, now, customer_scope(session, user),
                                  ~own_wholesale_account(user))


def record_approving_disclosures(session: Session, user: User, customer_ids, *, surface: str,
                                 subject: str, now: datetime) -> int:
    """Log the partner's sight of the CPNI of every customer in `customer_ids` (from
    `approving_customers`): one INSERT, however many customers."""
    return approvals.record_disclosures_of(session, user=user, customer_ids=customer_ids,
                                           surface=surface, purpose="partner_access",
                                           subject=subject, now=now)
