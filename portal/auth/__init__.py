"""Logging in and out, second factor for staff, password reset, language choice,
and the user's own list of sessions."""

from flask import Blueprint, g
from sqlalchemy.orm import Session, joinedload

from billing.core.clock import utcnow
from billing.parties import user_sessions
from billing.parties.users import User
from portal.extensions import db

bp = Blueprint("auth", __name__)


def load_user(secret: str):
    """The user of a live server-side session (billing/parties/user_sessions.py).

    The check runs in its own short transaction, so that an expiry or a last-seen time it
    records is kept whatever the request itself later commits or rolls back.
    """
    with Session(db.engine) as own, own.begin():
        record = user_sessions.check_session(own, secret, utcnow())
        found = (record.id, record.user_id) if record else None
    if found is None:
        return None
    g.user_session_id = found[0]
    # The partner comes with the user: every partner page asks for its tree next.
    user = db.session.get(User, found[1], options=[joinedload(User.partner)])
    return user if user is not None and user.is_active else None


from portal.auth import preferences, session_views, views  # noqa: E402,F401  (routes register on import)
from portal.users.invitation_pages import bp as invitations_bp  # noqa: E402

bp.register_blueprint(invitations_bp, url_prefix="/invitations")
