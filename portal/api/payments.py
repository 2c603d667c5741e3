"""Payments over the API: a list with filters and a cursor, and one payment with what it
paid and what went back.

Within the access policy (portal.access.payments_query): a customer reads its own
accounts' payments, a partner only those of customers whose approval is in force (the
others are neither listed nor found), staff every payment but, as no purpose can be
stated over the API, without its figures.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from billing.core.clock import PROVIDER_TZ, utcnow
from billing.core.errors import InvalidInput
from billing.core.money import check_currency
from billing.parties.models import Customer
from billing.payments import ledger
from billing.payments.models import PAYMENT_CLASSES, Payment, PaymentAllocation
from portal import access
from portal.api import bp
from portal.api.views import _log, cursor_page
from portal.extensions import db
from portal.paging import chosen, search_text
from portal.payments.api_presenters import payment_dict
from portal.periods import parse_day


@bp.route("/payments")
def payments():
    now = utcnow()
    query = _filters(access.payments_query(db.session, g.api_user, now), request.args)
    rows, cursor = cursor_page(query, Payment.id, _load)
    grants = access.payment_access_many(db.session, g.api_user, rows, now)
    found = ledger.figures(db.session, [p for p in rows if grants[p.id].visible])
    data = [payment_dict(p, grants[p.id], found.get(p.id)) for p in rows]
    _log(_by_account(rows, grants), "payment list", now)
    return jsonify({"data": data, "next_cursor": cursor})


@bp.route("/payments/<payment_id>")
def payment(payment_id):
    now = utcnow()
    found = access.get_payment(db.session, g.api_user, payment_id, now)
    grant = access.payment_access_many(db.session, g.api_user, [found], now)[found.id]
    figures = ledger.figures_of(db.session, found) if grant.visible else None
    data = payment_dict(found, grant, figures, detail=True)
    _log(_by_account([found], {found.id: grant}), f"payment {found.id}", now)
    return jsonify({"data": data})


def _filters(query, args):
    """account (an account number), from and to (received, provider-calendar days,
    inclusive), currency, class."""
    account = search_text(args, "account")
    if account:
        query = query.where(Payment.customer_id.in_(
            select(Customer.id).where(Customer.account_number == account)))
    if args.get("from"):
        query = query.where(Payment.received_at >= _start_of(parse_day(args["from"])))
    if args.get("to"):
        following = parse_day(args["to"]) + timedelta(days=1)
        query = query.where(Payment.received_at < _start_of(following))
    if args.get("currency"):
        query = query.where(Payment.currency == _currency(args["currency"]))
    payment_class = chosen(args, "class", PAYMENT_CLASSES)
    if payment_class:
        query = query.where(Payment.payment_class == payment_class)
    return query


def _currency(code: str) -> str:
    try:
        return check_currency(code.upper())
    except InvalidInput:
        raise InvalidInput("currency must be a currency code the portal bills in, "
                           "such as USD.") from None


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, PROVIDER_TZ)


def _load(session, ids) -> list:
    rows = session.scalars(
        select(Payment).where(Payment.id.in_(ids))
        .options(joinedload(Payment.customer),
                 selectinload(Payment.allocations).joinedload(PaymentAllocation.invoice),
                 selectinload(Payment.reversals))).unique()
    by_id = {p.id: p for p in rows}
    return [by_id[i] for i in ids if i in by_id]


def _by_account(payments, grants) -> dict:
    """Grants per account, as the disclosure log counts them (suspense has no account)."""
    return {p.customer_id: grants[p.id] for p in payments if p.customer_id is not None}
