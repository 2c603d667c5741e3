"""Which account pays for an account's charges: the bill-to rule, in one place.

A corporate account pays for its locations; a location split out to pay its own
charges (`pays_own_charges`) pays for itself. The bill-to account receives the invoice
that carries those charges, and so the credits against them and the payments for them.
The rule is given twice, as Python for one loaded account and as SQL for queries over
many, side by side so that they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from billing.parties.models import Customer


def bill_to(customer: Customer) -> Customer:
    """The account whose invoice carries this account's charges, hence its credits."""
    if customer.parent is not None and not customer.pays_own_charges:
        return customer.parent
    return customer


def receives_own_invoice() -> ColumnElement[bool]:
    """SQL: the account is its own bill-to account (no parent, or split out to pay)."""
    return or_(Customer.parent_id.is_(None), Customer.pays_own_charges.is_(True))


def billed_on_parent() -> ColumnElement[bool]:
    """SQL: the account is a location whose charges go on its parent's invoice."""
    return Customer.parent_id.is_not(None) & Customer.pays_own_charges.is_(False)
