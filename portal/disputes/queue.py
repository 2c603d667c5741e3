"""The billing staff's dispute queue: what each filter keeps, the order, and the count
per tier. Filters come from the query string; a value that is not one of the offered
ones is refused with a message rather than ignored.

The amount filter compares minor units whatever the currency: every currency we bill
in has two decimal places, so "500" keeps 500.00 USD and 500.00 CAD alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload
from wtforms import ValidationError

from billing.core.errors import InvalidInput
from billing.core.numbers import whole_number
from billing.disputes.models import Dispute
from billing.disputes.rules import overdue_clause
from billing.parties.models import Customer, Partner
from billing.parties.users import User
from portal import access
from portal.disputes.staff_forms import read_amount

STATES = {"active": ("open", "waiting"), "open": ("open",), "waiting": ("waiting",),
          "settled": ("settled",), "withdrawn": ("withdrawn",)}
AGES = (0, 2, 5, 10, 30)
SORTS = ("overdue", "newest", "oldest")
DIRECT = "direct"


@dataclass(frozen=True)
class QueueFilters:
    tier_id: int | None = None
    state: str = "active"
    age_days: int = 0
    min_minor: int | None = None
    max_minor: int | None = None
    partner: str = ""  # "", DIRECT, or a partner's id
    mine: bool = False
    sort: str = "overdue"


def read_filters(args) -> QueueFilters:
    """The queue's filters from the query string; InvalidInput naming a wrong one."""
    return QueueFilters(
        tier_id=_optional_id(args.get("tier", ""), _("Choose a tier from the list.")),
        state=_one_of(args.get("state") or "active", STATES, _("Choose a state from the list.")),
        age_days=_age(args.get("age") or "0"),
        min_minor=_amount(args.get("min", "")), max_minor=_amount(args.get("max", "")),
        partner=_partner(args.get("partner", "")),
        mine=args.get("mine") == "1",
        sort=_one_of(args.get("sort") or "overdue", SORTS, _("Choose an order from the list.")),
    )


def _one_of(value: str, allowed, message: str) -> str:
    if value not in allowed:
        raise InvalidInput(message)
    return value


def _optional_id(text: str, message: str) -> int | None:
    if not text:
        return None
    number = whole_number(text)
    if number is None:
        raise InvalidInput(message)
    return number


def _age(text: str) -> int:
    days = whole_number(text, low=0)
    if days not in AGES:
        raise InvalidInput(_("Choose an age from the list."))
    return days


def _amount(text: str) -> int | None:
    try:
        return read_amount(text, "USD")
    except ValidationError as wrong:
        raise InvalidInput(_("Amount filter: %(problem)s", problem=str(wrong))) from None


def _partner(text: str) -> str:
    if text in ("", DIRECT):
        return text
    return str(_optional_id(text, _("Choose a partner from the list.")))


def queue_query(session: Session, user: User, filters: QueueFilters, now: datetime,
                opened_accounts=()):
    """The disputes the filters keep, within the user's reach, in the chosen order.

    Amounts are CPNI: an amount filter keeps only disputes of `opened_accounts` (those
    whose CPNI the user opened with a purpose), or narrowing it would reveal amounts
    the queue withholds.
    """
    query = access.disputes_query(session, user).where(
        Dispute.status.in_(STATES[filters.state]))
    if filters.tier_id is not None:
        query = query.where(Dispute.tier_id == filters.tier_id)
    if filters.age_days:
        query = query.where(Dispute.filed_at < now - timedelta(days=filters.age_days))
    if filters.min_minor is not None or filters.max_minor is not None:
        query = query.where(Dispute.customer_id.in_(list(opened_accounts)))
    if filters.min_minor is not None:
        query = query.where(Dispute.amount_minor >= filters.min_minor)
    if filters.max_minor is not None:
        query = query.where(Dispute.amount_minor <= filters.max_minor)
    if filters.partner == DIRECT:
        query = query.where(Customer.partner_id.is_(None))
    elif filters.partner:
        query = query.where(Customer.partner_id == int(filters.partner))
    if filters.mine:
        query = query.where(Dispute.assigned_to_id == user.id)
    return query.order_by(*_order(filters.sort))


def _order(sort: str) -> tuple:
    if sort == "newest":
        return Dispute.filed_at.desc(), Dispute.id.desc()
    if sort == "oldest":
        return Dispute.filed_at, Dispute.id
    # Deadlines in the past come first by themselves; no deadline (waiting for the
    # filer, or closed) goes last on every database, whatever its NULL order.
    return (case((Dispute.deadline_at.is_(None), 1), else_=0), Dispute.deadline_at,
            Dispute.filed_at, Dispute.id)


def load_disputes(session: Session, ids) -> list[Dispute]:
    """These disputes with what a queue row shows, in the order of `ids`."""
    rows = session.scalars(select(Dispute).where(Dispute.id.in_(ids)).options(
        joinedload(Dispute.customer), joinedload(Dispute.invoice), joinedload(Dispute.tier),
        joinedload(Dispute.assigned_to)))
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids]


def tier_counts(session: Session, user: User, now: datetime) -> dict[int, tuple[int, int]]:
    """Per tier id, its active disputes and how many of them are overdue."""
    overdue = case((overdue_clause(now), 1), else_=0)
    in_reach = access.disputes_query(session, user).with_only_columns(Dispute.id)
    rows = session.execute(
        select(Dispute.tier_id, func.count(), func.sum(overdue))
        .where(Dispute.status.in_(STATES["active"]), Dispute.id.in_(in_reach))
        .group_by(Dispute.tier_id))
    return {tier_id: (count, int(late or 0)) for tier_id, count, late in rows}


def partner_choices(session: Session) -> list[Partner]:
    return list(session.scalars(select(Partner).order_by(Partner.name, Partner.id)))
