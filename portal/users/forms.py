"""The forms of the users page and of the invitation page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from portal.auth.forms import ResetForm

ROLE_LABELS = {
    "partner_admin": _l("Partner administrator"),
    "partner_user": _l("Partner user"),
    "customer_admin": _l("Account administrator"),
    "customer_user": _l("Account user"),
    "billing_specialist": _l("Billing specialist"),
    "billing_supervisor": _l("Billing supervisor"),
    "billing_manager": _l("Billing manager"),
    "billing_director": _l("Billing director"),
    "admin": _l("Administrator"),
}


def role_choices(roles) -> list[SelectChoice]:
    return [SelectChoice(role, ROLE_LABELS[role]) for role in roles]


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))


class ActionForm(FlaskForm):
    """Deactivate, reactivate, invite again: nothing to fill in but the CSRF token."""


class AcceptForm(ResetForm):
    """The invitee's password, twice."""
