"""What an administrator may do to the logins in their charge.

A partner admin manages the users of that partner, a customer admin those of that
customer account, a staff admin the staff. Every lookup goes through the admin's scope,
so a login outside it is simply not found. Each change is recorded as a UserChange;
the portal sends the account-change notices (portal/cpni/account_notices.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from billing.core.errors import InvalidInput, NotFound
from billing.parties import user_sessions
from billing.parties.account_changes import _checked_email as checked_email
from billing.parties.users import CUSTOMER_ROLES, PARTNER_ROLES, STAFF_ROLES, ApiToken, User
from billing.users import invitations
from billing.users.models import UserChange

EMAIL_TAKEN = "This e-mail address already has a login."
ADMIN_ROLES = {"partner_admin": "partner", "customer_admin": "customer", "admin": "staff"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class UserScope:
    """The logins one administrator manages: a partner's, a customer's, or the staff."""

    kind: str  # "partner", "customer" or "staff"
    owner_id: int | None  # the partner or customer; None for the staff

    @property
    def roles(self) -> tuple[str, ...]:
        return {"partner": PARTNER_ROLES, "customer": CUSTOMER_ROLES,
                "staff": STAFF_ROLES}[self.kind]

    def clause(self):
        if self.kind == "partner":
            return User.partner_id == self.owner_id
        if self.kind == "customer":
            return User.customer_id == self.owner_id
        return User.role.in_(STAFF_ROLES)

    def links(self) -> dict:
        """The columns that tie a new login to this scope."""
        return {"partner": {"partner_id": self.owner_id},
                "customer": {"customer_id": self.owner_id}}.get(self.kind, {})


def admin_scope(user: User) -> UserScope | None:
    """The scope this user administers, or None for a user who administers nobody."""
    kind = ADMIN_ROLES.get(user.role)
    if kind is None or not user.is_active:
        return None
    owner = {"partner": user.partner_id, "customer": user.customer_id}.get(kind)
    return UserScope(kind, owner)


def users_in(session: Session, scope: UserScope) -> list[User]:
    return list(session.scalars(select(User).where(scope.clause())
                                .order_by(func.lower(User.name), User.email)))


def user_in(session: Session, scope: UserScope, user_id: int) -> User:
    """One login of the scope, locked for the change about to be made; else NotFound."""
    user = session.scalars(select(User).where(User.id == user_id, scope.clause())
                           .with_for_update()).first()
    if user is None:
        raise NotFound("No such user.")
    return user


def recent_changes(session: Session, scope: UserScope, limit: int = 20) -> list[UserChange]:
    """The latest changes to the scope's logins, newest first."""
    in_scope = select(User.id).where(scope.clause())
    return list(session.scalars(
        select(UserChange).where(UserChange.user_id.in_(in_scope))
        .options(selectinload(UserChange.user), selectinload(UserChange.actor))
        .order_by(UserChange.occurred_at.desc(), UserChange.id.desc()).limit(limit)))


def invite(session: Session, scope: UserScope, *, email: str, name: str, role: str,
           by: User, now: datetime, lifetime: timedelta) -> tuple[User, str]:
    """Add a login that has no password yet and make its invitation link.

    Returns the user and the link's token. An address that already has a login is
    refused: addresses are unique across the portal.
    """
    email, name = _field(checked_email, email, "email"), _checked_name(name)
    _check_role(scope, role)
    if session.scalar(select(func.count()).where(User.email == email)):
        raise InvalidInput(EMAIL_TAKEN, code="email")
    user = User(email=email, name=name, role=role, password_hash="", **scope.links())
    session.add(user)
    session.flush()
    token = invitations.issue(session, user, by=by, now=now, lifetime=lifetime)
    _record(session, user, by, "invited", now, role)
    return user, token


def reinvite(session: Session, user: User, *, by: User, now: datetime,
             lifetime: timedelta) -> str:
    """A new link for a login still waiting for its first password; the old one dies."""
    if not user.awaits_invitation:
        raise InvalidInput("This user has already accepted the invitation.")
    if not user.is_active:
        raise InvalidInput("Reactivate this user before inviting them again.")
    token = invitations.issue(session, user, by=by, now=now, lifetime=lifetime)
    _record(session, user, by, "reinvited", now)
    return token


def change_role(session: Session, scope: UserScope, user: User, role: str, *, by: User,
                now: datetime) -> bool:
    """Give a login another role of the same scope; False when it already had it."""
    _check_role(scope, role)
    _not_self(user, by, "You cannot change your own role.")
    if user.role == role:
        return False
    previous, user.role = user.role, role
    _record(session, user, by, "role_changed", now, f"{previous} -> {role}")
    return True


def deactivate(session: Session, user: User, *, by: User, now: datetime) -> bool:
    """Stop a login: its sessions end at once, its invitation and API tokens stop
    working, and it cannot sign in. False when it was already inactive."""
    _not_self(user, by, "You cannot deactivate your own login.")
    if not user.is_active:
        return False
    user.is_active = False
    user_sessions.end_sessions_of(session, user.id, now, user_sessions.DEACTIVATED)
    invitations.revoke_outstanding(session, user.id, now)
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                           ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now).execution_options(synchronize_session="fetch"))
    _record(session, user, by, "deactivated", now)
    return True


def reactivate(session: Session, user: User, *, by: User, now: datetime) -> bool:
    """Let a login sign in again (an invitee needs a new invitation: its link was
    revoked). False when it was already active."""
    if user.is_active:
        return False
    user.is_active = True
    _record(session, user, by, "reactivated", now)
    return True


def _field(check, value: str, name: str):
    """`check(value)`, its refusal tagged with the form field it is about."""
    try:
        return check(value)
    except InvalidInput as error:
        raise InvalidInput(error.message, code=name) from None


def _checked_name(name: str) -> str:
    value = (name or "").strip()
    if not value or len(value) > 200 or _CONTROL.search(value):
        raise InvalidInput("Enter the person's name, one line of at most 200 characters.",
                           code="name")
    return value


def _check_role(scope: UserScope, role: str) -> None:
    if role not in scope.roles:
        raise InvalidInput("Choose one of the roles offered.", code="role")


def _not_self(user: User, by: User, message: str) -> None:
    if user.id == by.id:
        raise InvalidInput(message)


def _record(session: Session, user: User, by: User, action: str, now: datetime,
            detail: str | None = None) -> None:
    session.add(UserChange(user_id=user.id, actor_id=by.id, action=action, detail=detail,
                           occurred_at=now))
    session.flush()
