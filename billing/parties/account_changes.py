"""Changes account holders make to their own details of record: a customer's e-mail and
postal address, its VAT number, and a login's password.

Each function says what kind of thing changed, never the values, so that the portal can
tell the account holder at the address of record without repeating the new data
(docs/cpni.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime
from zoneinfo import available_timezones

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.parties import identity, user_sessions
from billing.parties.models import Customer
from billing.parties.users import PasswordReset, User, UserSession
from billing.parties.vat import normalized_vat_number

# One plain address: no display name, list separator or quoting.
_EMAIL = re.compile(r'[^@\s,;<>()"]+@[^@\s,;<>()"]+\.[^@\s,;<>()"]+')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Babel's territories also hold groupings and placeholders that are no place to mail to.
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}
COUNTRY_CODES = frozenset(code for code in Locale("en").territories
                          if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES)


@dataclass(frozen=True)
class PostalAddress:
    line1: str
    line2: str | None
    city: str
    region: str | None
    postal_code: str
    country: str


# Each field's column on Customer, its name in messages, its longest length, and whether
# it may be left empty.
_ADDRESS_COLUMNS = {
    "line1": ("address_line1", "first address line", 200, False),
    "line2": ("address_line2", "second address line", 200, True),
    "city": ("city", "city", 100, False),
    "region": ("region", "state or region", 100, True),
    "postal_code": ("postal_code", "postal code", 20, False),
    "country": ("country", "country", 2, False),
}


@dataclass(frozen=True)
class ContactChanges:
    """What kinds of contact details changed, and the e-mail of record before the change
    (the address a notice of it goes to)."""

    email: bool
    postal_address: bool
    previous_email: str

    @property
    def any(self) -> bool:
        return self.email or self.postal_address


def update_contact_details(session: Session, customer: Customer, *, email: str,
                           address: PostalAddress) -> ContactChanges:
    """Set a customer's e-mail of record and postal address after checking both.

    Nothing is changed when any field is invalid.
    """
    new_email = _checked_email(email)
    new_address = _checked_address(address)
    previous_email = customer.email_of_record
    address_changed = any(getattr(customer, column) != value
                          for column, value in new_address.items())
    email_changed = new_email != previous_email.lower()
    if email_changed:
        customer.email_of_record = new_email
    for column, value in new_address.items():
        setattr(customer, column, value)
    session.flush()
    return ContactChanges(email_changed, address_changed, previous_email)


def set_vat_number(session: Session, customer: Customer, text: str | None) -> bool:
    """Set (or, blank, clear) the account's VAT number once its form is checked; returns
    whether it changed. Issued invoices keep the number they were issued with."""
    number = normalized_vat_number(text)
    if number == customer.vat_number:
        return False
    customer.vat_number = number
    session.flush()
    return True


def _checked_email(email: str) -> str:
    value = (email or "").strip().lower()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidInput("Enter one e-mail address, such as billing@example.com.")
    return value


def _checked_address(address: PostalAddress) -> dict:
    """The address as Customer columns, trimmed; optional fields left empty become None."""
    columns = {}
    for field in fields(address):
        column, label, longest, optional = _ADDRESS_COLUMNS[field.name]
        value = (getattr(address, field.name) or "").strip()
        if not value and not optional:
            raise InvalidInput(f"The postal address needs its {label}.")
        if len(value) > longest or _CONTROL.search(value):
            raise InvalidInput(f"The {label} must be one line of at most {longest} "
                               "characters.")
        columns[column] = value or None
    columns["country"] = columns["country"].upper()
    if columns["country"] not in COUNTRY_CODES:
        raise InvalidInput("Choose the country from the list.")
    return columns


def change_password(session: Session, user: User, *, current: str, new: str,
                    now: datetime, keep: UserSession | None = None) -> None:
    """Replace a login's password after checking the current one and the policy.

    A wrong current password counts toward the lockout like a failed login (the caller
    commits even when this raises). Reset links sent before the change stop working, and
    every session of the user ends but `keep` (the one the change was made in).
    """
    identity.authenticate(session, user.email, current, now)
    if new == current:
        raise InvalidInput("Choose a password different from the current one.")
    identity.check_password_policy(new, name=user.name, email=user.email)
    user.password_hash = identity.hash_password(new)
    outstanding = select(PasswordReset).where(PasswordReset.user_id == user.id,
                                              PasswordReset.used_at.is_(None))
    for link in session.scalars(outstanding):
        link.used_at = now
    user_sessions.end_sessions_of(session, user.id, now, user_sessions.PASSWORD_CHANGED,
                                  keep=keep)
    session.flush()


def choose_time_zone(session: Session, user: User, zone: str | None) -> None:
    """Set the IANA time zone a login's pages show times in; empty for the provider's."""
    if zone and zone not in available_timezones():
        raise InvalidInput("Choose a time zone from the list.")
    user.time_zone = zone or None
    session.flush()
