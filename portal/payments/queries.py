"""Payments as the pages look them up: a staff member's filtered list, a customer's own
history, one payment within reach (else 404), with what the presenters need loaded."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from billing.core.clock import PROVIDER_TZ
from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from billing.parties.models import Customer
from billing.parties.users import User
from billing.payments import ledger
from billing.payments.models import (
    PAYMENT_CLASSES,
    PAYMENT_METHODS,
    Payment,
    PaymentAllocation,
)
from portal.paging import chosen, search_text
from portal.periods import parse_day


def staff_query(args):
    """All payments, newest first, narrowed by ?account=, ?class=, ?method=, ?from=, ?to=."""
    query = select(Payment).order_by(Payment.received_at.desc(), Payment.id.desc())
    account = search_text(args, "account")
    if account:
        query = query.join(Payment.customer).where(Customer.account_number == account)
    if payment_class := chosen(args, "class", PAYMENT_CLASSES):
        query = query.where(Payment.payment_class == payment_class)
    if method := chosen(args, "method", PAYMENT_METHODS):
        query = query.where(Payment.method == method)
    if args.get("from"):
        query = query.where(Payment.received_at >= _day_start(parse_day(args["from"])))
    if args.get("to"):
        query = query.where(Payment.received_at
                            < _day_start(parse_day(args["to"]) + timedelta(days=1)))
    return query


def suspense_query():
    return select(Payment).where(Payment.customer_id.is_(None)).order_by(
        Payment.received_at, Payment.id)


def account_query(customer_ids):
    """The payments of these accounts, newest first."""
    return select(Payment).where(Payment.customer_id.in_(list(customer_ids))).order_by(
        Payment.received_at.desc(), Payment.id.desc())


def load(session, ids) -> list[Payment]:
    rows = session.scalars(select(Payment).where(Payment.id.in_(ids)).options(
        selectinload(Payment.customer),
        selectinload(Payment.allocations).selectinload(PaymentAllocation.invoice),
        selectinload(Payment.reversals)))
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def get(session, payment_id, customer_ids=None) -> Payment:
    """One payment; with `customer_ids`, only one of those accounts' (else not found)."""
    number = whole_number(payment_id)
    query = select(Payment.id).where(Payment.id == (number or 0))
    if customer_ids is not None:
        query = query.where(Payment.customer_id.in_(list(customer_ids)))
    found = session.scalar(query)
    if found is None:
        raise NotFound("No such payment.")
    return load(session, [found])[0]


def figures(session, payments) -> dict:
    return ledger.figures(session, payments)


def people(session, payments) -> dict[int, str]:
    """The e-mails of the users who recorded, assigned or reversed these payments."""
    ids = {p.recorded_by_id for p in payments} | {p.assigned_by_id for p in payments}
    ids |= {r.recorded_by_id for p in payments for r in p.reversals}
    ids.discard(None)
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


def account_by_number(session, number: str) -> Customer:
    customer = session.scalar(select(Customer).where(
        Customer.account_number == (number or "").strip()))
    if customer is None:
        raise NotFound("No account has this number.")
    return customer


def _day_start(day) -> datetime:
    return datetime.combine(day, time(0), PROVIDER_TZ)
