"""The customer and invoice lists that pages and the API share: filters and loading."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from billing.clock import parse_period
from billing.cpni import APPROVAL_STATES
from billing.errors import InvalidInput
from billing.models import Customer, Invoice, Service
from billing.models.invoices import INVOICE_STATUSES
from portal import access
from portal.paging import like_pattern, search_text


def customer_list_query(user, args, now):
    """Customers in reach, searched by name or account number, filtered by approval state."""
    query = access.customers_query(user).options(joinedload(Customer.partner))
    text = search_text(args)
    if text:
        pattern = like_pattern(text)
        query = query.where(
            or_(
                Customer.name.ilike(pattern, escape="\\"),
                Customer.account_number.ilike(pattern, escape="\\"),
            )
        )
    state = args.get("cpni") or ""
    if state:
        if not user.is_partner or state not in APPROVAL_STATES:
            raise InvalidInput("cpni must be one of none, active, revoked, expired.")
        query = query.where(access.approval_filter(user, state, now))
    return query.order_by(Customer.name, Customer.id)


def invoice_filters(query, args):
    """Apply period (YYYY-MM, the month the period ends), status and customer filters."""
    period = args.get("period") or ""
    if period:
        end = parse_period(period).end
        first = date(end.year, end.month, 1)
        following = date(end.year + end.month // 12, end.month % 12 + 1, 1)
        query = query.where(Invoice.period_end >= first, Invoice.period_end < following)
    status = args.get("status") or ""
    if status:
        if status not in INVOICE_STATUSES:
            raise InvalidInput(f"status must be one of {', '.join(INVOICE_STATUSES)}.")
        query = query.where(Invoice.status == status)
    customer = args.get("customer_id") or ""
    if customer:
        if not customer.isdigit():
            raise InvalidInput("customer_id must be a number.")
        query = query.where(Invoice.customer_id == int(customer))
    return query


def invoice_list_query(user, args):
    query = access.invoices_query(user).options(contains_eager(Invoice.customer))
    return invoice_filters(query, args).order_by(Invoice.period_end.desc(), Invoice.id.desc())


def services_of(session, customer) -> list:
    query = (
        select(Service)
        .where(Service.customer_id == customer.id)
        .options(joinedload(Service.product))
        .order_by(Service.started_on, Service.id)
    )
    return list(session.scalars(query))
