"""Invitation links: made, replaced, refused and accepted.

The link carries a random token and only its SHA-256 is stored, so the table cannot be
used to build a working link. A link works once, until it expires, and only while it is
the user's latest: inviting again or deactivating the user revokes it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from billing.core.errors import DomainError
from billing.parties import identity
from billing.parties.users import User
from billing.users.models import UserChange, UserInvitation

DEFAULT_LIFETIME = timedelta(hours=72)


class InvitationRefused(DomainError):
    """The link cannot be used; `code` says why (unknown, used, revoked, expired), and
    the portal words it for the reader (portal/users/invitation_pages.py)."""

    code = "invitation_refused"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, user: User, *, by: User, now: datetime,
          lifetime: timedelta = DEFAULT_LIFETIME) -> str:
    """Make a new link for a user who has not accepted yet; earlier links stop working.
    Returns the token, which is kept nowhere but in the message that carries it."""
    revoke_outstanding(session, user.id, now)
    token = secrets.token_urlsafe(32)
    session.add(UserInvitation(user_id=user.id, invited_by_id=by.id,
                               token_hash=_digest(token), created_at=now,
                               expires_at=now + lifetime))
    session.flush()
    return token


def revoke_outstanding(session: Session, user_id: int, now: datetime) -> None:
    session.execute(
        update(UserInvitation)
        .where(UserInvitation.user_id == user_id, UserInvitation.used_at.is_(None),
               UserInvitation.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session="fetch"))


def check(session: Session, token: str, now: datetime, *,
          lock: bool = False) -> UserInvitation:
    """The invitation this token opens, if it may still be used; else InvitationRefused.
    With `lock`, its row is locked first, so that two acceptances cannot both pass."""
    query = select(UserInvitation).where(UserInvitation.token_hash == _digest(token or ""))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    invitation = session.scalars(query).first()
    reason = _refusal(invitation, now)
    if reason:
        raise InvitationRefused(f"The invitation link is {reason}.", code=reason)
    return invitation


def _refusal(invitation: UserInvitation | None, now: datetime) -> str | None:
    if invitation is None:
        return "unknown"
    if invitation.used_at is not None:
        return "used"
    if invitation.revoked_at is not None or not invitation.user.is_active:
        return "revoked"
    if invitation.expires_at <= now:
        return "expired"
    return None


def accept(session: Session, token: str, password: str, now: datetime) -> User:
    """Set the invited user's password (the portal's policy and hash) and spend the link.

    Nothing changes when the link is refused or the password breaks the policy.
    """
    invitation = check(session, token, now, lock=True)
    user = invitation.user
    identity.check_password_policy(password, name=user.name, email=user.email)
    user.password_hash = identity.hash_password(password)
    invitation.used_at = now
    session.add(UserChange(user_id=user.id, actor_id=user.id, action="accepted",
                           occurred_at=now))
    session.flush()
    return user
