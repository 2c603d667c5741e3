"""The CPNI passcode page: a customer admin sees when the passcode was set, has the
portal make a new one, and can look it up again after confirming its password."""

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.cpni import passcodes
from portal import notices
from portal.customer import bp
from portal.customer.account_admin import account_holder, confirm_password
from portal.extensions import db

NO_STORE = {"Cache-Control": "no-store"}


class RotatePasscodeForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])


class ShowPasscodeForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])


def passcode_seal() -> passcodes.PasscodeSeal:
    return passcodes.PasscodeSeal(current_app.config["SECRET_KEY"])


@bp.route("/passcode")
def passcode():
    return _page(account_holder())


@bp.route("/passcode", methods=["POST"])
def rotate_passcode():
    """Make a new passcode after the user confirms with their password; the old one
    stops working at once and the account holder is told at the e-mail of record."""
    customer = account_holder()
    _confirmed(RotatePasscodeForm())
    now = utcnow()
    new_passcode = passcodes.rotate_passcode(customer, now, passcode_seal())
    notices.queue(to=customer.email_of_record, locale=customer.locale,
                  template="cpni/mail_cpni_passcode_changed.txt", kind="passcode_changed",
                  customer=customer, changed_by=current_user.name, changed_at=now)
    db.session.commit()
    return _page(customer, shown=new_passcode, new=True), 200, NO_STORE


@bp.route("/passcode/show", methods=["POST"])
def show_passcode():
    """The current passcode, shown again after the user confirms with their password."""
    customer = account_holder()
    _confirmed(ShowPasscodeForm(prefix="show"))
    shown = passcodes.reveal_passcode(customer, passcode_seal())
    if shown is None:
        raise InvalidInput(_("The passcode cannot be shown: make a new one."))
    return _page(customer, shown=shown), 200, NO_STORE


def _confirmed(form) -> None:
    if not form.validate_on_submit():
        raise InvalidInput(_("Confirm with your password."))
    confirm_password(form.password.data)


def _page(customer, shown: str | None = None, new: bool = False):
    return render_template("cpni/customer_passcode.html", customer=customer,
                           form=RotatePasscodeForm(formdata=None),
                           show_form=ShowPasscodeForm(formdata=None, prefix="show"),
                           shown=shown, new=new)
