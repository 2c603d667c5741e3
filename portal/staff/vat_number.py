"""Billing staff correct an account's VAT number from its staff page, e.g. while the
customer is on the phone. The number is not CPNI, so no purpose or call verification is
asked for; it is checked and normalised exactly as on the customer's own contact page."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.errors import InvalidInput
from billing.parties.account_changes import set_vat_number
from portal import access
from portal.extensions import db
from portal.staff import bp
from portal.staff.calls import customer_call_page
from portal.staff.forms import VatNumberForm


@bp.route("/customers/<customer_id>/vat-number", methods=["POST"])
def change_vat_number(customer_id):
    """Save (or, blank, clear) the VAT number; a refused one comes back with its reason."""
    customer = access.get_customer(db.session, current_user, customer_id)
    form = VatNumberForm()
    if not form.validate_on_submit():
        return customer_call_page(customer.id, vat_form=form), 400
    try:
        changed = set_vat_number(db.session, customer, form.vat_number.data)
    except InvalidInput as error:
        db.session.rollback()
        form.vat_number.errors = [error.message]
        return customer_call_page(customer.id, vat_form=form), 400
    db.session.commit()
    if not changed:
        flash(_("That is already the VAT number of record; nothing was changed."), "info")
    elif customer.vat_number:
        flash(_("The VAT number %(number)s has been saved. Invoices issued from now on "
                "carry it; those already issued keep theirs.", number=customer.vat_number),
              "info")
    else:
        flash(_("The VAT number has been removed. Invoices already issued keep theirs."),
              "info")
    return redirect(url_for("staff.customer", customer_id=customer.id, _anchor="vat-number"))
