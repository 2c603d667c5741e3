"""Marketing use of CPNI: customers' opt-outs and the campaign lists staff export.

A customer may opt out of marketing use of its CPNI at any time; the opt-out stands
until the customer itself withdraws it. An opt-out by a corporate account covers its
sub-accounts, as an approval does (portal/access.py consent_holder_id): the account
whose choice governs a sub-account is its corporate. Every campaign export is recorded
with exactly the customers it listed; the records are kept at least a year, so nothing
here deletes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from billing.core.errors import Forbidden, InvalidInput
from billing.cpni import approvals as cpni
from billing.cpni.compliance_models import MarketingExport, MarketingOptOut
from billing.cpni.compliance_models import marketing_export_customer as link
from billing.parties.models import Customer, Partner
from billing.parties.users import User

CAMPAIGN_MAX = 200


@dataclass(frozen=True)
class OptOutEntry:
    """One opt-out in a customer's history, with the names of who made and ended it."""

    opted_out_at: datetime
    opted_out_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None


def _standing(now: datetime):
    """A clause on MarketingOptOut: the opt-out is in force at `now`."""
    return (MarketingOptOut.opted_out_at <= now) & or_(
        MarketingOptOut.revoked_at.is_(None), MarketingOptOut.revoked_at > now)


def _opted_out_ids(now: datetime):
    return select(MarketingOptOut.customer_id).where(_standing(now))


def standing_opt_out(session: Session, customer_id: int, now: datetime) -> MarketingOptOut | None:
    """The customer's own opt-out in force at `now`, if any."""
    query = select(MarketingOptOut).where(MarketingOptOut.customer_id == customer_id,
                                          _standing(now))
    return session.scalars(query.order_by(MarketingOptOut.id.desc()).limit(1)).first()


def is_opted_out(session: Session, customer: Customer, now: datetime) -> bool:
    """Whether marketing may not use this customer's CPNI now: its own opt-out stands,
    or, for a sub-account, its corporate's."""
    governing = {customer.id, customer.parent_id or customer.id}
    query = _opted_out_ids(now).where(MarketingOptOut.customer_id.in_(governing)).limit(1)
    return session.scalar(query) is not None


def _lock(session: Session, customer: Customer) -> None:
    """Serialise changes to one customer's opt-out, so that two clicks at once record one."""
    session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())


def opt_out(
    session: Session, *, customer: Customer, by: User, now: datetime
) -> tuple[MarketingOptOut, bool]:
    """Record the customer's opt-out; while one stands, a second changes nothing.

    Returns the opt-out in force and whether this call recorded it.
    """
    _lock(session, customer)
    current = standing_opt_out(session, customer.id, now)
    if current is not None:
        return current, False
    recorded = MarketingOptOut(customer_id=customer.id, opted_out_at=now, opted_out_by_id=by.id)
    session.add(recorded)
    session.flush()
    return recorded, True


def revoke_opt_out(
    session: Session, *, customer: Customer, by: User, now: datetime
) -> MarketingOptOut:
    """Withdraw the customer's opt-out at once: marketing may use its CPNI again."""
    _lock(session, customer)
    current = standing_opt_out(session, customer.id, now)
    if current is None:
        raise InvalidInput("This account has not opted out of marketing; nothing to withdraw.")
    current.revoked_at, current.revoked_by_id = now, by.id
    session.flush()
    return current


def opt_out_history(session: Session, customer_id: int) -> list[OptOutEntry]:
    """Every opt-out of the customer, newest first, each with its withdrawal if any."""
    opted_by, revoked_by = aliased(User), aliased(User)
    query = (
        select(MarketingOptOut, opted_by.name, revoked_by.name)
        .outerjoin(opted_by, opted_by.id == MarketingOptOut.opted_out_by_id)
        .outerjoin(revoked_by, revoked_by.id == MarketingOptOut.revoked_by_id)
        .where(MarketingOptOut.customer_id == customer_id)
        .order_by(MarketingOptOut.opted_out_at.desc(), MarketingOptOut.id.desc())
    )
    return [OptOutEntry(row.opted_out_at, by_name, row.revoked_at, revoker_name)
            for row, by_name, revoker_name in session.execute(query)]


def eligible_customers(
    session: Session, partner: Partner | None = None, *, now: datetime
) -> list[Customer]:
    """The customers a campaign may list now, by account number.

    Never a wholesale account (a rebiller's own account with us is not a marketing
    target), nor a customer whose opt-out, or whose corporate's opt-out, stands.
    For a partner's campaign, only the partner's own customers whose approval for that
    very partner is in force (a sub-account follows its corporate's approval). Its own
    customers, not its sub-agents' too: those chose to buy from the sub-agent, and a
    campaign over the whole tree would reach them in the name of an agency they never
    dealt with. The narrower list never uses CPNI for more than the customer agreed to;
    a sub-agent's customers are reached by a campaign for that sub-agent.
    """
    governing = func.coalesce(Customer.parent_id, Customer.id)
    opted_out = _opted_out_ids(now)
    query = select(Customer).where(
        Customer.billing_role != "wholesale",
        Customer.id.not_in(opted_out),
        governing.not_in(opted_out),
    )
    if partner is not None:
        query = query.where(Customer.partner_id == partner.id,
                            cpni.state_clause(partner.id, "active", now, column=governing))
    return list(session.scalars(query.order_by(Customer.account_number)))


def export_campaign(
    session: Session, *, campaign: str, partner: Partner | None, by: User, now: datetime
) -> MarketingExport:
    """Record one campaign export with exactly the customers eligible now; its
    `customers` are the list to hand over.

    An export that finds nobody is recorded all the same: the register is of what staff
    did, and "a campaign for this partner was run and listed no one" is part of that
    record (refusing would leave no trace that it was tried).
    """
    if not by.is_staff:
        raise Forbidden("Only provider staff export marketing lists.")
    name = " ".join((campaign or "").split())
    if not name or len(name) > CAMPAIGN_MAX:
        raise InvalidInput(f"Name the campaign in 1 to {CAMPAIGN_MAX} characters.")
    export = MarketingExport(
        campaign=name, partner_id=partner.id if partner else None, exported_by_id=by.id,
        exported_at=now, customers=eligible_customers(session, partner, now=now),
    )
    session.add(export)
    session.flush()
    return export


def export_sizes(session: Session, export_ids) -> dict[int, int]:
    """How many customers each of these exports listed (one query for a page of them)."""
    ids = list(export_ids)
    counts = dict.fromkeys(ids, 0)
    if ids:
        query = (select(link.c.export_id, func.count()).where(link.c.export_id.in_(ids))
                 .group_by(link.c.export_id))
        counts.update(dict(session.execute(query).all()))
    return counts
