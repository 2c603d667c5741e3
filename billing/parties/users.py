"""People who log in, their roles, API tokens and password-reset links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.clock import utcnow
from billing.core.db import Base, UTCDateTime
from billing.parties.models import Customer, Partner

PARTNER_ROLES = ("partner_admin", "partner_user")
CUSTOMER_ROLES = ("customer_admin", "customer_user")
BILLING_ROLES = (
    "billing_specialist",
    "billing_supervisor",
    "billing_manager",
    "billing_director",
)
STAFF_ROLES = BILLING_ROLES + ("admin",)
ROLES = PARTNER_ROLES + CUSTOMER_ROLES + STAFF_ROLES


class User(Base):
    """A login. Partner users belong to a partner, customer users to a customer."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES}", name="role"),
        CheckConstraint(
            f"(role IN {PARTNER_ROLES}) = (partner_id IS NOT NULL)", name="partner_role"
        ),
        CheckConstraint(
            f"(role IN {CUSTOMER_ROLES}) = (customer_id IS NOT NULL)", name="customer_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    # An IANA zone name the user chose for the times pages show; None: the provider's.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]  # the last code accepted, which cannot be used again
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner | None] = relationship()
    customer: Mapped[Customer | None] = relationship()

    # The session-login protocol (Flask-Login) without importing it into the domain.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The reference Flask-Login would keep in the cookie. The portal keeps a server-side
        session's secret there instead (portal/auth/), so this is only a fallback."""
        return str(self.id)

    @property
    def awaits_invitation(self) -> bool:
        """Invited and not yet accepted: no password has been chosen (billing/users/)."""
        return not self.password_hash

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_billing_staff(self) -> bool:
        """Runs invoicing and works disputes; an admin manages users, not billing."""
        return self.role in BILLING_ROLES

    @property
    def is_partner(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role in CUSTOMER_ROLES


class ApiToken(Base):
    """A partner system's bearer token; only its SHA-256 is kept, shown once at creation."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginThrottle(Base):
    """Failed sign-in attempts per e-mail address, known to us or not.

    Keyed by the address typed rather than by user, so that an unknown address locks
    exactly like a real one and the answers never tell which accounts exist.
    """

    __tablename__ = "login_throttle"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(Base):
    """A one-time, expiring password-reset link sent to the e-mail address of record."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(Base):
    """A signed-in browser, kept on the server (billing/parties/user_sessions.py).

    The cookie carries a random secret and only its SHA-256 is kept here, so the table
    cannot be used to forge a cookie. A session ends at logout, when its user ends it,
    at a password change or reset, or when it has been idle or open too long; an ended
    session is refused even when its cookie is replayed.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()
