"""What only the admin of a top-level account may do, and the password it re-enters to
do it (CPNI approvals, the passcode, contact details, the marketing choice)."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.parties import identity
from billing.parties.models import Customer
from portal.extensions import db


def account_holder() -> Customer:
    """The user's account, if the user administers a top-level account; else 404."""
    customer = current_user.customer
    if current_user.role != "customer_admin" or customer.parent_id is not None:
        abort(404)
    return customer


def confirm_password(password: str | None) -> None:
    """Refuse unless the signed-in user typed its password again; a wrong one counts
    toward the sign-in lockout, like a failed sign-in."""
    try:
        identity.authenticate(db.session, current_user.email, password or "", utcnow())
    except identity.LoginRefused:
        db.session.commit()
        raise InvalidInput(_("Your password was not correct; nothing was changed.")) from None
