from flask import redirect, request, session, url_for
from flask_login import current_user

from billing.errors import InvalidInput
from portal import access, pages
from portal.extensions import db
from portal.redirects import is_local_path
from portal.staff import bp
from portal.staff.forms import PurposeForm


@bp.route("/")
def search():
    return pages.customers_page("staff/search.html")


@bp.route("/customers/<customer_id>")
def customer(customer_id):
    return pages.customer_page(customer_id, "staff/customer.html", purpose_form=PurposeForm())


@bp.route("/customers/<customer_id>/cpni", methods=["POST"])
def open_cpni(customer_id):
    """Staff state why they open a customer's CPNI; every view after is logged with it."""
    customer = access.get_customer(db.session, current_user, customer_id)
    form = PurposeForm()
    if not form.validate_on_submit():
        raise InvalidInput("Choose the purpose: billing or support.")
    purposes = dict(session.get("cpni_purpose", {}))
    purposes[str(customer.id)] = form.purpose.data
    session["cpni_purpose"] = purposes
    target = request.form.get("next")
    if not is_local_path(target, prefix="/staff/"):
        target = url_for("staff.customer", customer_id=customer.id)
    return redirect(target)


@bp.route("/invoices")
def invoices():
    return pages.invoices_page("staff/invoices.html")


@bp.route("/invoices/<invoice_id>")
def invoice(invoice_id):
    return pages.invoice_page(invoice_id, "staff/invoice.html", purpose_form=PurposeForm())


@bp.route("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id):
    return pages.invoice_pdf(invoice_id)
