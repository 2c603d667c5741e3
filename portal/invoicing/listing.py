"""The customer and invoice lists that pages and the API share: filters and loading.

Lists are fetched in two steps: the page's ids (from the index alone where possible),
then those rows with what they show. Deep pages then never sort full rows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from billing.catalog.models import Service
from billing.core.clock import parse_period
from billing.core.errors import InvalidInput
from billing.core.numbers import whole_number
from billing.cpni.approvals import APPROVAL_STATES
from billing.invoicing.models import INVOICE_STATUSES, Invoice, InvoiceLine
from billing.parties.models import Customer
from portal import access
from portal.keyset import Order, read_date, read_id, read_text
from portal.paging import chosen, like_pattern, prefix_pattern, search_text

# The lists' orders, which their keyset pages walk (the queries below sort by the same).
CUSTOMER_ORDER = Order((Customer.name, Customer.id), (read_text, read_id))
INVOICE_ORDER = Order((Invoice.period_end, Invoice.id), (read_date, read_id), descending=True)


def customer_list_query(session, user, args, now):
    """Customers in reach, searched by name or account number, filtered by approval state."""
    query = access.customers_query(session, user)
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
    if state and state not in APPROVAL_STATES:
        raise InvalidInput("cpni must be one of none, active, revoked, expired.")
    if state and user.is_partner:  # the state of the partner's own approval; staff: all
        query = query.where(access.approval_filter(user, state, now))
    return query.order_by(Customer.name, Customer.id)


def invoice_filters(query, args):
    """Apply period (YYYY-MM, the month the period ends), status, customer and invoice
    number filters. The number (`number`, or `q` from the pages' search box) matches
    exactly or as a prefix, case-insensitive, within whatever `query` already reaches."""
    number = search_text(args, "number") or search_text(args, "q")
    if number:
        query = query.where(func.lower(Invoice.number).like(prefix_pattern(number),
                                                            escape="\\"))
    period = args.get("period") or ""
    if period:
        end = parse_period(period).end
        first = date(end.year, end.month, 1)
        following = date(end.year + end.month // 12, end.month % 12 + 1, 1)
        query = query.where(Invoice.period_end >= first, Invoice.period_end < following)
    status = chosen(args, "status", INVOICE_STATUSES)
    if status:
        query = query.where(Invoice.status == status)
    customer = args.get("customer_id") or ""
    if customer:
        customer_id = whole_number(customer)
        if customer_id is None:
            raise InvalidInput("customer_id must be a number.")
        query = query.where(Invoice.customer_id == customer_id)
    return query


def invoice_list_query(session, user, args):
    query = invoice_filters(access.invoices_query(session, user), args)
    return query.order_by(Invoice.period_end.desc(), Invoice.id.desc())


def load_customers(session, ids) -> list:
    """These customers with their partner, in the order of `ids`."""
    query = select(Customer).where(Customer.id.in_(ids)).options(joinedload(Customer.partner))
    return _in_order(session.scalars(query).unique(), ids)


def load_invoices(session, ids) -> list:
    """These invoices with their customer, in the order of `ids`."""
    query = select(Invoice).where(Invoice.id.in_(ids)).options(joinedload(Invoice.customer))
    return _in_order(session.scalars(query).unique(), ids)


def _in_order(rows, ids) -> list:
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def services_of(session, customer) -> list:
    query = (
        select(Service)
        .where(Service.customer_id == customer.id)
        .options(joinedload(Service.product))
        .order_by(Service.started_on, Service.id)
    )
    return list(session.scalars(query))


def invoice_accounts(session, invoice) -> dict:
    """The locations whose lines a corporate invoice carries, by id (one query)."""
    ids = select(InvoiceLine.sub_account_id).where(InvoiceLine.invoice_id == invoice.id,
                                                   InvoiceLine.sub_account_id.is_not(None))
    return {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
