"""The contact details page: a customer admin of a top-level account changes its e-mail
and postal address of record, confirmed with their password. The account holder is told
at the e-mail of record as it was before the change (docs/cpni.md)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from billing.core.errors import InvalidInput
from billing.parties import account_changes
from billing.parties.account_changes import COUNTRY_CODES, PostalAddress
from portal.cpni import account_notices
from portal.customer import bp
from portal.customer.account_admin import account_holder, confirm_password
from portal.extensions import db


class ContactForm(FlaskForm):
    """Named after the Customer columns, so that a fresh form shows the details of record."""

    email_of_record = EmailField(_l("E-mail address of record"), validators=[
        DataRequired(), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter one e-mail address."))])
    address_line1 = StringField(_l("Address"), validators=[DataRequired(), Length(max=200)])
    address_line2 = StringField(_l("Address, second line (optional)"),
                                validators=[Optional(), Length(max=200)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=100)])
    region = StringField(_l("State or region (optional)"),
                         validators=[Optional(), Length(max=100)])
    postal_code = StringField(_l("Postal code"), validators=[DataRequired(), Length(max=20)])
    country = SelectField(_l("Country"))
    vat_number = StringField(_l("VAT number (optional, printed on invoices)"),
                             validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])

    def postal_address(self) -> PostalAddress:
        return PostalAddress(self.address_line1.data, self.address_line2.data,
                             self.city.data, self.region.data, self.postal_code.data,
                             self.country.data)


def _with_countries(form: ContactForm) -> ContactForm:
    """Every country, named and sorted in the user's language."""
    names = get_locale().territories
    form.country.choices = sorted(((code, names.get(code, code)) for code in COUNTRY_CODES),
                                  key=lambda choice: choice[1])
    return form


def _page(customer, form, status: int = 200):
    return render_template("parties/customer_contact.html", customer=customer, form=form), status


@bp.route("/contact")
def contact():
    customer = account_holder()
    return _page(customer, _with_countries(ContactForm(obj=customer)))


@bp.route("/contact", methods=["POST"])
def change_contact():
    """Save new contact details after the user confirms with their password."""
    customer, form = account_holder(), _with_countries(ContactForm())
    if not form.validate_on_submit():
        return _page(customer, form, 400)
    try:
        confirm_password(form.password.data)
        changes = account_changes.update_contact_details(
            db.session, customer, email=form.email_of_record.data,
            address=form.postal_address())
        vat_changed = account_changes.set_vat_number(db.session, customer,
                                                     form.vat_number.data)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
        return _page(customer, form, 400)
    account_notices.contact_changed(customer, changes)
    db.session.commit()
    if changes.any or vat_changed:
        flash(_("The contact details have been saved. A notice has gone to the e-mail "
                "address of record as it was before the change."), "info")
    else:
        flash(_("These are already the details of record; nothing was changed."), "info")
    return redirect(url_for("customer.contact"))
