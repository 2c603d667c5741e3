"""The CPNI passcode page: a customer admin sees when the passcode was set and has the
portal make a new one, which is shown once (only its hash is kept)."""

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from billing import passcodes
from billing.clock import utcnow
from billing.errors import InvalidInput
from portal import notices
from portal.customer import bp
from portal.customer.account_admin import account_holder, confirm_password
from portal.extensions import db


class RotatePasscodeForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])


@bp.route("/passcode")
def passcode():
    return _page(account_holder(), RotatePasscodeForm())


@bp.route("/passcode", methods=["POST"])
def rotate_passcode():
    """Make a new passcode after the user confirms with their password; the old one
    stops working at once and the account holder is told at the e-mail of record."""
    customer, form = account_holder(), RotatePasscodeForm()
    if not form.validate_on_submit():
        raise InvalidInput(_("Confirm with your password."))
    confirm_password(form.password.data)
    now = utcnow()
    new_passcode = passcodes.rotate_passcode(customer, now)
    notices.queue(to=customer.email_of_record, locale=customer.locale,
                  template="mail/cpni_passcode_changed.txt", kind="passcode_changed",
                  customer=customer, changed_by=current_user.name, changed_at=now)
    db.session.commit()
    response = _page(customer, RotatePasscodeForm(formdata=None), new_passcode)
    return response, 200, {"Cache-Control": "no-store"}


def _page(customer, form, new_passcode: str | None = None):
    return render_template("customer/passcode.html", customer=customer, form=form,
                           new_passcode=new_passcode)
