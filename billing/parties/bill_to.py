"""Which account pays for an account's charges: the bill-to rule, in one place.

A corporate account pays for its locations; a location split out to pay its own
charges (`pays_own_charges`) pays for itself. The bill-to account receives the invoice
that carries those charges, and so the credits against them and the payments for them.
The rule is given twice, as Python for one loaded account and as SQL for queries over
many, side by side so that they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, or_, select

from billing.core.db import among
from billing.parties.models import Customer


def bill_to(customer: Customer) -> Customer:
    """The account whose invoice carries this account's charges, hence its credits."""
    if customer.parent is not None and not customer.pays_own_charges:
        return customer.parent
    return customer


def bill_to_ids(session, customer_ids) -> dict[int, int]:
    """`bill_to` for many accounts in one query, by id: {account id: its bill-to account
    id}; an id no account has is left out."""
    ids = list(customer_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Customer.id, paying_account())
                                .where(among(session, Customer.id, ids))).all())


def paying_account() -> ColumnElement[int]:
    """SQL: the id of the account whose invoice carries this account's charges."""
    return case((billed_on_parent(), Customer.parent_id), else_=Customer.id)


def receives_own_invoice() -> ColumnElement[bool]:
    """SQL: the account is its own bill-to account (no parent, or split out to pay)."""
    return or_(Customer.parent_id.is_(None), Customer.pays_own_charges.is_(True))


def billed_on_parent() -> ColumnElement[bool]:
    """SQL: the account is a location whose charges go on its parent's invoice."""
    return Customer.parent_id.is_not(None) & Customer.pays_own_charges.is_(False)
