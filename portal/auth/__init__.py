"""Logging in and out, second factor for staff, password reset, language choice."""

from flask import Blueprint

from billing.core.numbers import whole_number
from billing.parties.users import User
from portal.extensions import db

bp = Blueprint("auth", __name__)


def load_user(reference: str):
    """The user of a session, unless its password changed since the session began."""
    user_id, _, stamp = (reference or "").partition(".")
    number = whole_number(user_id)
    user = db.session.get(User, number) if number else None
    if user is None or not user.is_active or user.credential_stamp != stamp:
        return None
    return user


from portal.auth import views  # noqa: E402,F401  (routes register on import)
