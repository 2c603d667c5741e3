"""Logging in and out, second factor for staff, password reset, language choice,
and the user's own list of sessions."""

from flask import Blueprint, g
from sqlalchemy.orm import Session

from billing.core.clock import utcnow
from billing.parties import user_sessions
from portal.extensions import db

bp = Blueprint("auth", __name__)


def load_user(secret: str):
    """The user of a live server-side session (billing/parties/user_sessions.py).

    Most requests only read: the session, its user and the user's partner come in one
    query in the request's own transaction. When the session is to be written (ended as
    expired, or its last-seen time moved on: at most every few minutes), the check runs
    in its own short transaction, so that what it records is kept whatever the request
    itself later commits or rolls back.
    """
    now = utcnow()
    record = user_sessions.find_session(db.session, secret)
    if record is None or record.ended_at is not None:
        return None
    if user_sessions.needs_check(record, now):
        with Session(db.engine) as own, own.begin():
            if user_sessions.check_session(own, secret, now) is None:
                return None
    g.user_session_id = record.id
    return record.user if record.user.is_active else None


from portal.auth import preferences, session_views, views  # noqa: E402,F401  (routes register on import)
from portal.users.invitation_pages import bp as invitations_bp  # noqa: E402

bp.register_blueprint(invitations_bp, url_prefix="/invitations")
