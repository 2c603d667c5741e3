import tempfile

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from billing.core.errors import DomainError, InvalidInput
from billing.imports import KINDS, run_import
from portal import access
from portal.cpni import account_notices
from portal.dashboards import staff as dashboard_pages
from portal.extensions import db
from portal.invoicing import exports, invoice_workbook, pages
from portal.redirects import is_local_path
from portal.staff import bp
from portal.staff.calls import customer_call_page, forget_call
from portal.staff.forms import ImportForm, PurposeForm


@bp.route("/")
def search():
    return pages.customers_page("parties/staff_search.html")


@bp.route("/dashboard")
def dashboard():
    """Where billing staff land after signing in."""
    return dashboard_pages.dashboard_page()


@bp.route("/customers/<customer_id>")
def customer(customer_id):
    return customer_call_page(customer_id)


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
    forget_call(customer.id)  # work without a caller: views are no longer logged as the call's
    target = request.form.get("next")
    if not is_local_path(target, prefix="/staff/"):
        target = url_for("staff.customer", customer_id=customer.id)
    return redirect(target)


@bp.route("/invoices")
def invoices():
    return pages.invoices_page("invoicing/staff_invoices.html")


@bp.route("/invoices.csv")
def invoices_csv():
    return exports.invoice_csv()


@bp.route("/invoices.xlsx")
def invoices_xlsx():
    return invoice_workbook.invoice_xlsx()


@bp.route("/invoices/<invoice_id>")
def invoice(invoice_id):
    return pages.invoice_page(
        invoice_id, "invoicing/staff_invoice.html", purpose_form=PurposeForm())


@bp.route("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id):
    return pages.invoice_pdf(invoice_id)


@bp.route("/imports", methods=["GET", "POST"])
def imports():
    """Upload a CSV file; it is checked whole and saved only if every row is right."""
    form, report, problem = ImportForm(), None, None
    if form.validate_on_submit():
        try:
            report = _import_upload(form.kind.data, form.file.data)
        except DomainError as error:
            problem = error.message
    status = 400 if problem or (report and not report.saved) or form.errors else 200
    return render_template("imports/staff_imports.html", form=form, report=report,
                           problem=problem), status


def _import_upload(kind: str, upload):
    """Spool the upload to a private temporary file (never under static/), read it twice."""
    with tempfile.NamedTemporaryFile(suffix=".csv") as spool:
        upload.save(spool)
        spool.flush()
        report = run_import(db.session, KINDS[kind], lambda: open(spool.name, "rb"))
    if report.saved:
        account_notices.imported_contact_changes(db.session)
        db.session.commit()
    else:
        db.session.info.pop("contact_changes", None)
        db.session.rollback()
    return report
