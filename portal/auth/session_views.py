"""Server-side sessions on the web side: opening one at login, the current one, and the
"Sessions" page where a user sees where they are signed in and ends what they do not
recognise."""

from __future__ import annotations

import re

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm

from billing.core.clock import utcnow
from billing.parties import user_sessions
from billing.parties.users import User, UserSession
from portal.auth import bp
from portal.extensions import db

# The first name that matches decides: Edge and Opera also say "Chrome", Chrome "Safari".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))


def user_agent_summary(header: str) -> str:
    """"Firefox on Linux": enough to recognise a device, without keeping the whole header."""
    header = re.sub(r"[\x00-\x1f\x7f]", "", header or "")
    browser = next((name for mark, name in _BROWSERS if mark in header), None)
    system = next((name for mark, name in _SYSTEMS if mark in header), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or header[:60] or "unknown"


def begin_session(user: User) -> None:
    """Sign the user in: a new server-side session whose secret is all the cookie holds."""
    _, secret = user_sessions.open_session(
        db.session, user, user_agent=user_agent_summary(request.headers.get("User-Agent")),
        now=utcnow())
    db.session.commit()
    login_user(user)
    session["_user_id"] = secret  # Flask-Login keeps the user reference here; ours is the secret


def current_session() -> UserSession | None:
    """The server-side session of this request (set when the user was loaded)."""
    if not current_user.is_authenticated:
        return None
    return db.session.get(UserSession, g.get("user_session_id") or 0)


class EndSessionForm(FlaskForm):
    pass


@bp.route("/sessions")
@login_required
def sessions():
    records = user_sessions.active_sessions(db.session, current_user.id, utcnow())
    this = current_session()
    return render_template("auth/sessions.html", records=records,
                           current_id=this.id if this else None, form=EndSessionForm())


@bp.route("/sessions/<id:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    if EndSessionForm().validate_on_submit():
        this = current_session()
        if user_sessions.end_own_session(db.session, current_user.id, session_id, utcnow()):
            db.session.commit()
            if this is not None and this.id == session_id:
                return redirect(url_for("auth.login"))
            flash(_("That session has ended."), "info")
    return redirect(url_for("auth.sessions"))
