"""CPNI consent: which partner may see which customer's CPNI, and the disclosure log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput, NotFound
from billing.cpni.audit import append_disclosures, append_disclosures_of
from billing.cpni.compliance_models import VERIFICATION_METHODS
from billing.cpni.models import METHODS, PURPOSES, SCOPES, SURFACES, CpniApproval
from billing.parties.models import Customer, Partner
from billing.parties.partners import ancestors
from billing.parties.users import User

APPROVAL_STATES = ("none", "active", "revoked", "expired")


def _in_force(now: datetime):
    return (CpniApproval.revoked_at.is_(None)) & (
        or_(CpniApproval.expires_at.is_(None), CpniApproval.expires_at > now)
    )


def approval_in_force(
    session: Session, customer_id: int, partner_id: int, now: datetime
) -> CpniApproval | None:
    """The approval that lets this partner see this customer's CPNI now, if any."""
    query = select(CpniApproval).where(
        CpniApproval.customer_id == customer_id,
        CpniApproval.partner_id == partner_id,
        _in_force(now),
    )
    return session.scalars(query.order_by(CpniApproval.id.desc()).limit(1)).first()


def approved_scopes(session: Session, partner_id: int, customer_ids, now: datetime) -> dict:
    """Of the given customers, those whose CPNI this partner may see now, with the scope
    approved for each (one query)."""
    ids = list(customer_ids)
    if not ids:
        return {}
    query = select(CpniApproval.customer_id, CpniApproval.scope).where(
        CpniApproval.partner_id == partner_id,
        CpniApproval.customer_id.in_(ids),
        _in_force(now),
    ).order_by(CpniApproval.approved_at, CpniApproval.id)
    return {customer_id: scope for customer_id, scope in session.execute(query)}


def approval_states(session: Session, partner_id: int, customer_ids, now: datetime) -> dict:
    """Each customer's approval state for this partner: none, active, revoked or expired."""
    ids = list(customer_ids)
    states = dict.fromkeys(ids, "none")
    if not ids:
        return states
    rows = session.scalars(
        select(CpniApproval)
        .where(CpniApproval.partner_id == partner_id, CpniApproval.customer_id.in_(ids))
        .order_by(CpniApproval.approved_at, CpniApproval.id)
    )
    for approval in rows:
        states[approval.customer_id] = _state(approval, now)
    return states


def state_counts(session: Session, partner_id: int, now: datetime, *where) -> dict[str, int]:
    """How many of the customers matching `where` (clauses on Customer) are in each
    approval state for this partner, one query. A sub-account follows its corporate's
    approval; a customer is "active" while an approval is in force, else its latest
    approval's state (as `approval_states` says), "none" if it never had one."""
    holder = func.coalesce(Customer.parent_id, Customer.id)
    latest = select(
        CpniApproval.customer_id, CpniApproval.revoked_at, CpniApproval.expires_at,
        func.row_number().over(partition_by=CpniApproval.customer_id,
                               order_by=(CpniApproval.approved_at.desc(),
                                         CpniApproval.id.desc())).label("newest"),
    ).where(CpniApproval.partner_id == partner_id).subquery()
    state = case(
        (state_clause(partner_id, "active", now, holder), "active"),
        (latest.c.revoked_at.is_not(None), "revoked"),
        (and_(latest.c.expires_at.is_not(None), latest.c.expires_at <= now), "expired"),
        else_="none").label("state")  # no approval, or one the policy does not honour
    rows = select(state).select_from(Customer).outerjoin(
        latest, and_(latest.c.customer_id == holder, latest.c.newest == 1)
    ).where(*where).subquery()
    counts = dict.fromkeys(APPROVAL_STATES, 0)
    counts.update(session.execute(select(rows.c.state, func.count()).group_by(rows.c.state))
                  .all())
    return counts


def _state(approval: CpniApproval, now: datetime) -> str:
    if approval.revoked_at is not None:
        return "revoked"
    if approval.expires_at is not None and approval.expires_at <= now:
        return "expired"
    return "active"


def state_clause(partner_id: int, state: str, now: datetime, column=Customer.id):
    """A clause on `column` (a customer id) selecting customers in that approval state."""
    if state not in APPROVAL_STATES:
        raise InvalidInput(f"Unknown approval state {state!r}.")
    mine = select(CpniApproval.customer_id).where(CpniApproval.partner_id == partner_id)
    if state == "none":
        return column.not_in(mine)
    if state == "active":
        return column.in_(mine.where(_in_force(now)))
    ended = mine.where(CpniApproval.revoked_at.is_not(None))
    if state == "expired":
        ended = mine.where(CpniApproval.revoked_at.is_(None), CpniApproval.expires_at <= now)
    return column.in_(ended) & column.not_in(mine.where(_in_force(now)))


def partners_serving(session: Session, customer: Customer) -> list[Partner]:
    """The partners that may ask for approval: the serving partner and its agencies."""
    if customer.partner is None:
        return []
    return ancestors(session, customer.partner)


def grant_approval(
    session: Session,
    *,
    customer: Customer,
    partner: Partner,
    scope: str,
    by: User,
    now: datetime,
    method: str = "online",
    expires_at: datetime | None = None,
) -> CpniApproval:
    """Record the customer's opt-in for this partner; it replaces any approval in force."""
    if scope not in SCOPES or method not in METHODS:
        raise InvalidInput("Unknown approval scope or method.")
    if partner.id not in {p.id for p in partners_serving(session, customer)}:
        raise NotFound("That partner does not serve this account.")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("The end date must be in the future.")
    current = approval_in_force(session, customer.id, partner.id, now)
    if current is not None:
        current.revoked_at, current.revoked_by_id = now, by.id
    approval = CpniApproval(
        customer_id=customer.id,
        partner_id=partner.id,
        scope=scope,
        method=method,
        approved_by_id=by.id,
        approved_by_name=by.name,
        approved_at=now,
        expires_at=expires_at,
    )
    session.add(approval)
    session.flush()
    return approval


def revoke_approval(
    session: Session, *, customer: Customer, partner: Partner, by: User, now: datetime
) -> CpniApproval:
    """End the partner's access at once."""
    current = approval_in_force(session, customer.id, partner.id, now)
    if current is None:
        raise InvalidInput("This partner has no approval in force.")
    current.revoked_at, current.revoked_by_id = now, by.id
    session.flush()
    return current


def record_disclosures(
    session: Session, *, user: User, customer_ids, surface: str, purposes: dict, subject: str,
    now: datetime, verifications: dict | None = None,
) -> int:
    """Log that someone other than the customer was shown these customers' CPNI.

    The same few statements for a whole page of customers, so that lists stay at a
    constant number of queries. `purposes` maps each customer id to why it was shown;
    `verifications`, for staff on a customer's call, to how the caller was verified.
    """
    verifications = verifications or {}
    if surface not in SURFACES or not set(purposes.values()) <= set(PURPOSES):
        raise InvalidInput("Unknown disclosure surface or purpose.")
    if not set(verifications.values()) <= {None, *VERIFICATION_METHODS}:
        raise InvalidInput("Unknown caller verification method.")
    rows = [
        {"customer_id": cid, "user_id": user.id, "partner_id": user.partner_id,
         "surface": surface, "purpose": purposes[cid], "subject": subject[:200],
         "occurred_at": now, "verification": verifications.get(cid)}
        for cid in customer_ids
    ]
    if rows:
        append_disclosures(session, rows)
    return len(rows)


def record_disclosures_of(
    session: Session, *, user: User, customer_ids: Select, surface: str, purpose: str,
    subject: str, now: datetime,
) -> int:
    """`record_disclosures` for every customer in `customer_ids` (a select of ids), with
    one purpose: one INSERT from that select, however many customers it holds."""
    if surface not in SURFACES or purpose not in PURPOSES:
        raise InvalidInput("Unknown disclosure surface or purpose.")
    return append_disclosures_of(session, customer_ids, {
        "user_id": user.id, "partner_id": user.partner_id, "surface": surface,
        "purpose": purpose, "subject": subject[:200], "occurred_at": now})


def approval_history(session: Session, customer_id: int) -> list[CpniApproval]:
    """Every approval the customer gave, newest first, with revocations on each."""
    query = select(CpniApproval).where(CpniApproval.customer_id == customer_id)
    return list(session.scalars(query.order_by(CpniApproval.approved_at.desc(),
                                               CpniApproval.id.desc())))
