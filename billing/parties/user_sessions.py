"""Server-side sessions: a login opens one, the cookie carries its secret, and ending it
on the server (logout, a password change or reset, the user's own "end" button, or
expiry) refuses that cookie from then on, wherever it was copied to.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from billing.parties.users import User, UserSession

# A session ends after this long without a request, and in any case this long after login.
IDLE_TIMEOUT = timedelta(hours=8)
ABSOLUTE_TIMEOUT = timedelta(hours=24)
# Last-seen times are kept to this precision, so that a session is not written on every request.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)

# Why a session ended, as kept in end_reason.
LOGOUT, ENDED_BY_USER, PASSWORD_CHANGED, PASSWORD_RESET, EXPIRED, DEACTIVATED = (
    "logout", "ended_by_user", "password_changed", "password_reset", "expired", "deactivated")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def open_session(session: Session, user: User, *, user_agent: str,
                 now: datetime) -> tuple[UserSession, str]:
    """Start a session for a user who has just proved who they are; returns the record
    and the secret for the cookie (kept nowhere else)."""
    secret = secrets.token_urlsafe(32)
    record = UserSession(user_id=user.id, secret_hash=_digest(secret),
                         user_agent=(user_agent or "")[:120], created_at=now,
                         last_seen_at=now)
    user.last_sign_in_at = now  # shown to the user's administrators
    session.add(record)
    session.flush()
    return record, secret


def find_session(session: Session, secret: str) -> UserSession | None:
    """The session this cookie secret opened, ended or not, with its user and the user's
    partner (what the request needs next) in one query; nothing is written."""
    if not secret:
        return None
    return session.scalars(
        select(UserSession).where(UserSession.secret_hash == _digest(secret))
        .options(joinedload(UserSession.user).joinedload(User.partner))).first()


def needs_check(record: UserSession, now: datetime) -> bool:
    """Whether `check_session` would write to this live session: ending it (expired, or
    its user deactivated) or moving its last-seen time on."""
    return (_expired(record, now) or not record.user.is_active
            or now - record.last_seen_at >= LAST_SEEN_GRANULARITY)


def check_session(session: Session, secret: str, now: datetime) -> UserSession | None:
    """The live session this cookie secret opened, or None.

    A session found idle or open too long, or whose user was deactivated, is marked
    ended here; a live one has its last-seen time moved on (coarsely, see above).
    """
    if not secret:
        return None
    record = session.scalars(
        select(UserSession).where(UserSession.secret_hash == _digest(secret))
        .options(joinedload(UserSession.user))).first()  # is_active below: one query
    if record is None or record.ended_at is not None:
        return None
    if _expired(record, now) or not record.user.is_active:
        end_session(record, now, EXPIRED)
        session.flush()
        return None
    if now - record.last_seen_at >= LAST_SEEN_GRANULARITY:
        record.last_seen_at = now
        session.flush()
    return record


def _expired(record: UserSession, now: datetime) -> bool:
    return (now - record.last_seen_at > IDLE_TIMEOUT
            or now - record.created_at > ABSOLUTE_TIMEOUT)


def end_session(record: UserSession, now: datetime, reason: str) -> None:
    if record.ended_at is None:
        record.ended_at, record.end_reason = now, reason


def end_sessions_of(session: Session, user_id: int, now: datetime, reason: str, *,
                    keep: UserSession | None = None) -> int:
    """End every open session of a user (but `keep`, if given); returns how many ended."""
    statement = update(UserSession).where(UserSession.user_id == user_id,
                                          UserSession.ended_at.is_(None))
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    result = session.execute(statement.values(ended_at=now, end_reason=reason)
                             .execution_options(synchronize_session="fetch"))
    session.flush()
    return result.rowcount


def active_sessions(session: Session, user_id: int, now: datetime) -> list[UserSession]:
    """A user's sessions that still work, the most recently used first."""
    records = session.scalars(
        select(UserSession).where(UserSession.user_id == user_id,
                                  UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()))
    return [record for record in records if not _expired(record, now)]


def end_own_session(session: Session, user_id: int, session_id: int, now: datetime) -> bool:
    """A user ends one of their own sessions; False when it is not theirs or not open."""
    record = session.get(UserSession, session_id)
    if record is None or record.user_id != user_id or record.ended_at is not None:
        return False
    end_session(record, now, ENDED_BY_USER)
    session.flush()
    return True
