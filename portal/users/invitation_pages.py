"""The page an invitation links to: the invitee chooses a password and is signed in
(staff sign in afterwards, with their second factor).

A link that is unknown, used, withdrawn or expired gets a page saying which, with a 404
or 410, and nothing changes.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.parties import user_sessions
from billing.users import invitations
from portal.auth.rate_limits import login_per_client
from portal.auth.session_views import begin_session, current_session
from portal.cpni import account_notices
from portal.extensions import db, limiter
from portal.users.forms import AcceptForm

bp = Blueprint("invitations", __name__)

_MESSAGES = {
    "unknown": lambda: _("This invitation link is not valid. Check that you copied all "
                         "of it."),
    "used": lambda: _("This invitation has already been accepted. Sign in with your "
                      "password."),
    "revoked": lambda: _("This invitation was withdrawn or replaced by a newer one. Use "
                         "the latest invitation you received, or ask your administrator "
                         "to invite you again."),
    "expired": lambda: _("This invitation has expired. Ask your administrator to invite "
                         "you again."),
}


def _refused(refusal: invitations.InvitationRefused):
    db.session.rollback()
    status = 404 if refusal.code == "unknown" else 410
    return render_template("users/invitation_refused.html",
                           message=_MESSAGES[refusal.code](), reason=refusal.code), status


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(login_per_client, methods=["POST"])
def accept(token: str):
    try:
        invitation = invitations.check(db.session, token, utcnow())
    except invitations.InvitationRefused as refusal:
        return _refused(refusal)
    form = AcceptForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200  # a refused form is a 4xx, as elsewhere
        return render_template("users/accept.html", form=form, user=invitation.user), status
    try:
        user = invitations.accept(db.session, token, form.password.data, utcnow())
    except invitations.InvitationRefused as refusal:
        return _refused(refusal)
    except InvalidInput as error:
        db.session.rollback()
        form.password.errors = [error.message]
        return render_template("users/accept.html", form=form, user=invitation.user), 400
    account_notices.login_changed(user, "activated")
    db.session.commit()
    return _sign_in(user)


def _sign_in(user):
    """Staff prove a second factor at sign-in, so they are sent there; others are in."""
    if user.is_staff:
        flash(_("Your password is set. Sign in to set up your second factor."), "info")
        return redirect(url_for("auth.login"))
    earlier = current_session()  # whoever was signed in in this browser is signed out
    if earlier is not None:
        user_sessions.end_session(earlier, utcnow(), user_sessions.LOGOUT)
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    begin_session(user)
    session.permanent = True
    flash(_("Welcome, %(name)s. Your password is set and you are signed in.",
            name=user.name), "info")
    return redirect(url_for("home"))
