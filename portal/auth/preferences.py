"""The user's own preferences: the time zone pages show times in."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField

from billing.core.errors import InvalidInput
from billing.parties import account_changes
from portal.auth import bp
from portal.extensions import db
from portal.i18n import time_zone_names


class PreferencesForm(FlaskForm):
    time_zone = SelectField(_l("Time zone"))


def _form() -> PreferencesForm:
    form = PreferencesForm()
    default = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    form.time_zone.choices = [("", _("The provider's time zone (%(zone)s)", zone=default))]
    form.time_zone.choices += [(name, name) for name in sorted(time_zone_names())]
    return form


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = _form()
    if not form.is_submitted():
        form.time_zone.data = current_user.time_zone or ""
        return render_template("auth/preferences.html", form=form)
    if not form.validate():
        return render_template("auth/preferences.html", form=form), 400
    try:
        account_changes.choose_time_zone(db.session, current_user, form.time_zone.data)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("auth/preferences.html", form=form), 400
    db.session.commit()
    flash(_("Your preferences have been saved."), "info")
    return redirect(url_for("auth.preferences"))
