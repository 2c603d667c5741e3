"""Invitation links and the record of every change an administrator makes to a login."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from billing.core.db import Base, UTCDateTime
from billing.parties.users import User

CHANGES = ("invited", "reinvited", "accepted", "role_changed", "deactivated", "reactivated")


class UserInvitation(Base):
    """A one-time link that lets an invited person choose a password.

    Only the token's SHA-256 is kept; the token itself is in the e-mail alone. A newer
    invitation of the same user revokes the older ones, and so does a deactivation.
    """

    __tablename__ = "user_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class UserChange(Base):
    """One administrative change of a login: who made it, when, and of what kind.

    `detail` names roles (old and new) for a role change; it never holds a password or
    a token.
    """

    __tablename__ = "user_change"
    __table_args__ = (CheckConstraint(f"action IN {CHANGES}", name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
