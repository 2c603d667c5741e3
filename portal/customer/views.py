from datetime import datetime, time

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import PROVIDER_TZ, utcnow
from billing.core.errors import InvalidInput
from billing.cpni import approvals as cpni
from portal import access
from portal.cpni import account_notices
from portal.cpni.approval_forms import ApprovalForm, RevokeForm
from portal.customer import bp
from portal.customer.account_admin import account_holder, confirm_password
from portal.dashboards import customer as dashboard_pages
from portal.extensions import db
from portal.invoicing import exports, invoice_workbook, pages


@bp.route("/")
def overview():
    """The customer's home and dashboard: balance, what is due next and the Pay button,
    latest invoices and payments, usage, disputes and credit requests, account details."""
    return dashboard_pages.dashboard_page()


@bp.route("/accounts/<customer_id>")
def account(customer_id):
    return pages.customer_page(customer_id, "parties/customer_account.html")


@bp.route("/invoices")
def invoices():
    return pages.invoices_page("invoicing/customer_invoices.html")


@bp.route("/invoices.csv")
def invoices_csv():
    return exports.invoice_csv()


@bp.route("/invoices.xlsx")
def invoices_xlsx():
    return invoice_workbook.invoice_xlsx()


@bp.route("/invoices/<invoice_id>")
def invoice(invoice_id):
    return pages.invoice_page(invoice_id, "invoicing/customer_invoice.html")


@bp.route("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id):
    return pages.invoice_pdf(invoice_id)


@bp.route("/cpni")
def approvals():
    customer = account_holder()
    now = utcnow()
    partners = cpni.partners_serving(db.session, customer)
    current = {p.id: cpni.approval_in_force(db.session, customer.id, p.id, now) for p in partners}
    return render_template(
        "cpni/customer_cpni.html", customer=customer, partners=partners, current=current,
        history=cpni.approval_history(db.session, customer.id),
        grant_form=ApprovalForm(), revoke_form=RevokeForm(),
    )


def _confirmed_partner(form, problem: str):
    """Validate the form and the user's password; the partner it names, within reach."""
    if not form.validate_on_submit():
        raise InvalidInput(problem)
    confirm_password(form.password.data)
    return access.get_partner(db.session, current_user, form.partner_id.data)


@bp.route("/cpni/grant", methods=["POST"])
def grant():
    customer = account_holder()
    form = ApprovalForm()
    partner = _confirmed_partner(
        form, _("Choose a partner and scope, and confirm with your password.")
    )
    expires = None
    if form.expires_on.data:
        expires = datetime.combine(form.expires_on.data, time.max, PROVIDER_TZ)
    approval = cpni.grant_approval(
        db.session, customer=customer, partner=partner, scope=form.scope.data,
        by=current_user, now=utcnow(), expires_at=expires,
    )
    account_notices.approval_changed(customer, approval, granted=True, by=current_user)
    db.session.commit()
    flash(_("%(partner)s may now see your CPNI.", partner=partner.name), "info")
    return redirect(url_for("customer.approvals"))


@bp.route("/cpni/revoke", methods=["POST"])
def revoke():
    customer = account_holder()
    partner = _confirmed_partner(RevokeForm(), _("Confirm with your password."))
    approval = cpni.revoke_approval(db.session, customer=customer, partner=partner,
                                    by=current_user, now=utcnow())
    account_notices.approval_changed(customer, approval, granted=False, by=current_user)
    db.session.commit()
    flash(_("%(partner)s no longer sees your CPNI.", partner=partner.name), "info")
    return redirect(url_for("customer.approvals"))
