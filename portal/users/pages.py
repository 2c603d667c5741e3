"""The users page of partner, customer and staff admins: who has a login, their role,
whether it is active and when they last signed in; invite, change role, deactivate,
reactivate, invite again.

Only an admin of the audience sees it; anyone else, and any login outside the admin's
scope, gets a 404. Each change is recorded (billing/users/) and sends the account-change
notices (portal/cpni/account_notices.py) with the change's commit.
"""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.users import administration as admin
from portal import notices
from portal.auth.rate_limits import typed_address
from portal.cpni import account_notices
from portal.extensions import db, limiter
from portal.users import bp, rate_limits
from portal.users.forms import ROLE_LABELS, ActionForm, InviteForm, RoleForm, role_choices


def _scope() -> admin.UserScope:
    scope = admin.admin_scope(current_user)
    if scope is None:
        abort(404)
    return scope


def _here(endpoint: str, **values) -> str:
    """A URL of this page under the audience it was reached through."""
    return url_for(f"{request.blueprint}.{endpoint}", **values)


def _lifetime() -> timedelta:
    return timedelta(hours=current_app.config["INVITATION_LIFETIME_HOURS"])


def _with_roles(form, scope: admin.UserScope):
    form.role.choices = role_choices(scope.roles)
    return form


@bp.route("/")
def index():
    scope = _scope()
    return _page(scope, _with_roles(InviteForm(), scope))


def _page(scope: admin.UserScope, form: InviteForm, status: int = 200):
    return render_template(
        "users/users.html", users=admin.users_in(db.session, scope),
        changes=admin.recent_changes(db.session, scope), form=form,
        roles=role_choices(scope.roles), role_labels=ROLE_LABELS, action_form=ActionForm(),
        here=request.blueprint, scope=scope), status


@bp.route("/invite", methods=["POST"])
@limiter.limit(rate_limits.invite_per_admin, key_func=rate_limits.admin_key)
@limiter.limit(rate_limits.invite_per_address, key_func=typed_address)
def invite():
    scope = _scope()
    form = _with_roles(InviteForm(), scope)
    if not form.validate_on_submit():
        return _page(scope, form, 400)
    now = utcnow()
    try:
        user, token = admin.invite(db.session, scope, email=form.email.data,
                                   name=form.name.data, role=form.role.data,
                                   by=current_user, now=now, lifetime=_lifetime())
    except InvalidInput as error:
        db.session.rollback()
        getattr(form, error.code, form.email).errors = [error.message]
        return _page(scope, form, 400)
    except IntegrityError:  # the same address invited at the same moment elsewhere
        db.session.rollback()
        form.email.errors = [admin.EMAIL_TAKEN]
        return _page(scope, form, 400)
    _send_invitation(user, token, now)
    account_notices.login_invited(user)
    db.session.commit()
    flash(_("Invitation sent to %(email)s.", email=user.email), "info")
    return redirect(_here("index"))


def _send_invitation(user, token: str, now) -> None:
    """Queue the invitation, in the account's language (else the admin's), with the
    change's commit; it goes out after the request like every notice."""
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for(
        "auth.invitations.accept", token=token)
    locale = user.customer.locale if user.customer else str(get_locale())
    notices.queue(to=user.email, locale=locale, template="users/mail_invitation.txt",
                  kind="invitation", user=user, inviter=current_user, when=now,
                  expires=now + _lifetime(), link=link)


@bp.route("/<id:user_id>/invite-again", methods=["POST"])
@limiter.limit(rate_limits.reinvite_per_user, key_func=rate_limits.invited_user_key)
def invite_again(user_id: int):
    scope = _scope()
    user = admin.user_in(db.session, scope, user_id)
    now = utcnow()
    token = admin.reinvite(db.session, user, by=current_user, now=now, lifetime=_lifetime())
    _send_invitation(user, token, now)
    db.session.commit()
    flash(_("A new invitation was sent to %(email)s; the earlier link no longer works.",
            email=user.email), "info")
    return redirect(_here("index"))


@bp.route("/<id:user_id>/role", methods=["POST"])
def change_role(user_id: int):
    scope = _scope()
    user = admin.user_in(db.session, scope, user_id)
    form = _with_roles(RoleForm(), scope)
    if not form.validate_on_submit():
        raise InvalidInput(_("Choose one of the roles offered."))
    if admin.change_role(db.session, scope, user, form.role.data, by=current_user,
                         now=utcnow()):
        account_notices.login_changed(user, "role_changed")
        flash(_("The role of %(name)s was changed.", name=user.name), "info")
    db.session.commit()
    return redirect(_here("index"))


@bp.route("/<id:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    scope = _scope()
    user = admin.user_in(db.session, scope, user_id)
    if admin.deactivate(db.session, user, by=current_user, now=utcnow()):
        account_notices.login_changed(user, "deactivated")
        flash(_("%(name)s was deactivated and signed out everywhere.", name=user.name), "info")
    db.session.commit()
    return redirect(_here("index"))


@bp.route("/<id:user_id>/reactivate", methods=["POST"])
def reactivate(user_id: int):
    scope = _scope()
    user = admin.user_in(db.session, scope, user_id)
    if admin.reactivate(db.session, user, by=current_user, now=utcnow()):
        account_notices.login_changed(user, "reactivated")
        flash(_("%(name)s was reactivated.", name=user.name), "info")
    db.session.commit()
    return redirect(_here("index"))

