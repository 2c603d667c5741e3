"""Logging in and out, second factor for staff, password reset, language choice."""

from flask import Blueprint

from billing.models import User
from portal.extensions import db

bp = Blueprint("auth", __name__)


def load_user(user_id: str):
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.is_active else None


from portal.auth import views  # noqa: E402,F401  (routes register on import)
