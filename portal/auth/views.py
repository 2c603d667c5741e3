from __future__ import annotations

import pyotp
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.parties import account_changes, identity, user_sessions
from billing.parties.users import User
from portal.auth import bp, rate_limits, reset_requests
from portal.auth.forms import (
    ChangePasswordForm,
    ForgotForm,
    LanguageForm,
    LoginForm,
    ResetForm,
    TotpForm,
)
from portal.auth.session_views import begin_session, current_session
from portal.cpni import account_notices
from portal.extensions import db, limiter
from portal.redirects import is_local_path


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(rate_limits.login_per_client, methods=["POST"])
@limiter.limit(rate_limits.login_per_address, key_func=rate_limits.typed_address,
               methods=["POST"])
def login():
    if is_local_path(request.args.get("next")):
        session["after_login"] = request.args["next"]
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = identity.authenticate(db.session, form.email.data, form.password.data, utcnow())
        except identity.LoginRefused as refused:
            db.session.commit()  # keep the failure count
            flash(refused.message, "error")
            return render_template("auth/login.html", form=form), 401
        db.session.commit()
        if user.is_staff:
            session["pending_user"] = user.id
            endpoint = "auth.totp" if user.totp_enabled_at else "auth.totp_enrol"
            return redirect(url_for(endpoint))
        return _finish_login(user)
    return render_template("auth/login.html", form=form)


def _finish_login(user: User):
    locale, target = session.get("locale"), session.get("after_login")
    session.clear()  # nothing from before the login carries over
    if locale:
        session["locale"] = locale
    begin_session(user)
    session.permanent = True
    return redirect(target if is_local_path(target) else url_for("home"))


def _pending_user() -> User:
    user = db.session.get(User, session.get("pending_user") or 0)
    if user is None or not user.is_staff:
        abort(404)
    return user


def _second_factor(user: User, secret: str, form: TotpForm):
    """True when the code is right; on a lockout, ends the pending login."""
    try:
        identity.check_second_factor(db.session, user, secret, form.code.data, utcnow())
    except identity.LoginRefused as refused:
        db.session.commit()  # keep the failure count
        if refused.message == identity.LOCKED:
            session.clear()  # the pending login ends; the message survives the clear
        flash(refused.message, "error")
        return False
    return True


@bp.route("/totp", methods=["GET", "POST"])
def totp():
    user = _pending_user()
    if not user.totp_enabled_at:
        return redirect(url_for("auth.totp_enrol"))
    form = TotpForm()
    if form.validate_on_submit():
        if _second_factor(user, user.totp_secret, form):
            db.session.commit()
            return _finish_login(user)
        if "pending_user" not in session:
            return redirect(url_for("auth.login"))
    return render_template("auth/totp.html", form=form)


@bp.route("/totp/enrol", methods=["GET", "POST"])
def totp_enrol():
    user = _pending_user()
    if user.totp_enabled_at:
        return redirect(url_for("auth.totp"))
    secret = session.setdefault("enrol_secret", pyotp.random_base32())
    form = TotpForm()
    if form.validate_on_submit():
        if _second_factor(user, secret, form):
            user.totp_secret, user.totp_enabled_at = secret, utcnow()
            account_notices.second_factor_set(user)
            db.session.commit()
            return _finish_login(user)
        if "pending_user" not in session:
            return redirect(url_for("auth.login"))
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="Partner Billing Portal")
    return render_template("auth/totp_enrol.html", form=form, secret=secret, uri=uri)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    this = current_session()
    if this is not None:  # a copy of the cookie is refused from now on
        user_sessions.end_session(this, utcnow(), user_sessions.LOGOUT)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(rate_limits.forgot_per_client, methods=["POST"])
@limiter.limit(rate_limits.forgot_per_address, key_func=rate_limits.typed_address,
               methods=["POST"])
def forgot():
    """The answer is the same work for any address: a token is made and the message
    written; whether the address is anyone's is looked up only after the answer has gone
    (portal/auth/reset_requests.py), and a known address's link goes through the outbox."""
    form = ForgotForm()
    if form.validate_on_submit():
        token = identity.new_reset_token()
        subject, body = _reset_mail(token)
        flash(_("If that address belongs to an account, we have sent a reset link to it. "
                "The link works once, for one hour."), "info")
        response = redirect(url_for("auth.login"))
        reset_requests.record_after_response(response, email=form.email.data, token=token,
                                             subject=subject, body=body)
        return response
    return render_template("auth/forgot.html", form=form)


def _reset_mail(token: str) -> tuple[str, str]:
    link = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("auth.reset", token=token)
    body = _(
        "Someone asked to reset the password of your billing portal account.\n\n"
        "To choose a new password, open this link within one hour:\n%(link)s\n\n"
        "If it was not you, ignore this message; your password stays as it is.",
        link=link,
    )
    return _("Reset your billing portal password"), body


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    form = ResetForm()
    if form.validate_on_submit():
        try:
            user = identity.finish_password_reset(db.session, token, form.password.data,
                                                  utcnow())
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "error")
            return render_template("auth/reset.html", form=form), 400
        account_notices.password_changed(user, by_reset=True)
        db.session.commit()
        flash(_("Your password has been changed. Log in with the new one."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    user, form = current_user._get_current_object(), ChangePasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/password.html", form=form)
    try:
        account_changes.change_password(db.session, user, current=form.current.data,
                                        new=form.password.data, now=utcnow(),
                                        keep=current_session())
    except identity.LoginRefused as refused:
        db.session.commit()  # a wrong current password counts toward the lockout
        wrong = refused.message == identity.WRONG
        flash(_("Your current password was not correct; nothing was changed.") if wrong
              else refused.message, "error")
        return render_template("auth/password.html", form=form), 400
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("auth/password.html", form=form), 400
    account_notices.password_changed(user, by_reset=False)
    db.session.commit()  # this session goes on; every other one of the user has ended
    flash(_("Your password has been changed."), "info")
    return redirect(url_for("home"))


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    target = request.referrer or url_for("home")
    if not target.startswith(request.host_url):
        target = url_for("home")
    return redirect(target)
