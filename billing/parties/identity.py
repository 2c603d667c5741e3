"""Passwords, login lockout, password-reset links and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from billing.core.db import insert_if_missing
from billing.core.errors import InvalidInput
from billing.parties import user_sessions
from billing.parties.users import ROLES, ApiToken, LoginThrottle, PasswordReset, User

MIN_PASSWORD_LENGTH = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
RESET_LIFETIME = timedelta(hours=1)
TOKEN_PREFIX = "pbp"
LAST_USED_GRANULARITY = timedelta(minutes=5)

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so that both answers take as long.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")


def check_password_policy(password: str, *, name: str, email: str) -> None:
    """At least 12 characters, and not built from the user's name or e-mail."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    lowered = password.lower()
    pieces = [email.lower(), email.split("@")[0].lower(), *name.lower().split()]
    if any(len(piece) >= 3 and piece in lowered for piece in pieces):
        raise InvalidInput("The password must not contain your name or e-mail address.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(session: Session, *, email: str, name: str, role: str, password: str, **links):
    """Add a login after checking the password policy."""
    email = normalise_email(email)
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}.")
    if session.scalar(select(func.count()).where(User.email == email)):
        raise InvalidInput(f"A user with e-mail {email} already exists.")
    check_password_policy(password, name=name, email=email)
    user = User(email=email, name=name, role=role, password_hash=hash_password(password), **links)
    session.add(user)
    session.flush()
    return user


class LoginRefused(InvalidInput):
    code = "login_refused"


WRONG = "The e-mail address or password is not correct."
LOCKED = ("Too many failed attempts: signing in with this address is locked for 15 minutes. "
          "Try again later or reset your password.")
WRONG_CODE = "That code is not correct."


def _throttle(session: Session, email: str) -> LoginThrottle:
    insert_if_missing(session, LoginThrottle, "email", email=email, failures=0)
    return session.get(LoginThrottle, email, populate_existing=True)


def _refuse_if_locked(throttle: LoginThrottle, password: str, now: datetime) -> None:
    if throttle.locked_until and throttle.locked_until > now:
        _verify(_DUMMY_HASH, password)  # the locked answer takes as long as any other
        raise LoginRefused(LOCKED)


def _fail(throttle: LoginThrottle, now: datetime, message: str):
    throttle.failures += 1
    if throttle.failures >= MAX_FAILED_LOGINS:
        throttle.failures, throttle.locked_until = 0, now + LOCKOUT
    raise LoginRefused(message)


def authenticate(session: Session, email: str, password: str, now: datetime) -> User:
    """Check a password; five failures lock the address for 15 minutes.

    Counting is per address typed, known or not, and every answer costs one hash check,
    so neither the message nor its timing tells whether an account exists.
    The caller commits even when this raises, so that failures are counted.
    """
    email = normalise_email(email)
    throttle = _throttle(session, email)
    _refuse_if_locked(throttle, password, now)
    user = session.scalars(select(User).where(User.email == email)).first()
    known = user is not None and user.is_active
    if not _verify(user.password_hash if known else _DUMMY_HASH, password) or not known:
        _fail(throttle, now, WRONG)
    throttle.failures, throttle.locked_until = 0, None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_second_factor(session: Session, user: User, secret: str, code: str,
                        now: datetime) -> None:
    """Accept a TOTP code once (not again within its window); failures count as above."""
    throttle = _throttle(session, user.email)
    _refuse_if_locked(throttle, "", now)
    totp, step = pyotp.TOTP(secret), int(now.timestamp()) // 30
    for candidate in (step - 1, step, step + 1):
        fresh = user.totp_last_step is None or candidate > user.totp_last_step
        if fresh and hmac.compare_digest(totp.at(candidate * 30), (code or "").strip()):
            user.totp_last_step = candidate
            throttle.failures, throttle.locked_until = 0, None
            return
    _fail(throttle, now, WRONG_CODE)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ResetRequest(NamedTuple):
    """A forgot-password request: the user it is for (None when the address is nobody's)
    and the link token, made either way."""

    user: User | None
    token: str


def new_reset_token() -> str:
    return secrets.token_urlsafe(32)


def start_password_reset(session: Session, email: str, now: datetime,
                         token: str | None = None) -> ResetRequest:
    """Record a one-time link token (made here unless given) for the user with this
    e-mail, if there is one; the token's digest is computed either way."""
    user = session.scalars(select(User).where(User.email == normalise_email(email))).first()
    token = token or new_reset_token()
    token_hash = _digest(token)
    if user is None or not user.is_active or user.awaits_invitation:
        return ResetRequest(None, token)  # an invitee sets a password through the invitation
    session.add(PasswordReset(user_id=user.id, token_hash=token_hash,
                              expires_at=now + RESET_LIFETIME))
    session.flush()
    return ResetRequest(user, token)


def finish_password_reset(session: Session, token: str, password: str, now: datetime) -> User:
    """Set a new password through a reset link; the link works once and expires."""
    reset = session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == _digest(token or ""))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidInput("This reset link is not valid any more. Ask for a new one.")
    user = reset.user
    check_password_policy(password, name=user.name, email=user.email)
    user.password_hash = hash_password(password)
    _throttle(session, user.email).locked_until = None
    outstanding = select(PasswordReset).where(PasswordReset.user_id == user.id,
                                              PasswordReset.used_at.is_(None))
    for link in session.scalars(outstanding):
        link.used_at = now  # this link and any other sent before it stop working
    # Whoever asked for the link may be the owner locking out an intruder: every session ends.
    user_sessions.end_sessions_of(session, user.id, now, user_sessions.PASSWORD_RESET)
    return user


def create_api_token(session: Session, *, user: User, name: str, now: datetime):
    """Make a bearer token for a partner's or the provider's systems (staff record the
    outage ledger through the API); returns (record, secret)."""
    if not (user.is_partner or user.is_staff):
        raise InvalidInput("API tokens belong to partner or staff users.")
    if not (name or "").strip():
        raise InvalidInput("Give the token a name.")
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_hex(24)}"
    token = ApiToken(
        user_id=user.id, name=name.strip()[:100], prefix=prefix, token_hash=_digest(secret),
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, secret


def resolve_api_token(session: Session, secret: str, now: datetime) -> ApiToken | None:
    """The live token matching this secret, or None for anything forged or revoked."""
    parts = (secret or "").split("_")
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    # The user and its partner in the same query: every call needs both next.
    token = session.scalars(
        select(ApiToken).where(ApiToken.prefix == parts[1])
        .options(joinedload(ApiToken.user).joinedload(User.partner))).first()
    if token is None or not hmac.compare_digest(token.token_hash, _digest(secret)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        token.last_used_at = now  # coarse on purpose: not one write per API call
    return token


def revoke_api_token(token: ApiToken, now: datetime) -> None:
    if token.revoked_at is None:
        token.revoked_at = now
