"""How often invitations may be sent (Flask-Limiter), like the sign-in forms' mail:
per administrator, so that one login cannot flood mailboxes, and per address typed, so
that nobody is sent invitation after invitation."""

from __future__ import annotations

from flask import request
from flask_login import current_user

invite_per_admin = "60 per hour"
invite_per_address = "5 per hour"
reinvite_per_user = "5 per hour"


def admin_key() -> str:
    return f"admin:{current_user.get_id()}"


def invited_user_key() -> str:
    """The page of the login invited again: its path names it."""
    return f"reinvite:{request.path}"
