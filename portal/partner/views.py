from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from billing.parties import identity
from billing.parties.users import ApiToken, User
from portal.auth.token_forms import RevokeTokenForm, TokenForm
from portal.dashboards import partner as dashboard_pages
from portal.extensions import db
from portal.invoicing import exports, invoice_workbook, pages
from portal.partner import bp


@bp.route("/")
def dashboard():
    """Where a partner lands after signing in."""
    return dashboard_pages.dashboard_page()


@bp.route("/customers")
def customers():
    return pages.customers_page("parties/partner_customers.html")


@bp.route("/customers/<customer_id>")
def customer(customer_id):
    return pages.customer_page(customer_id, "parties/partner_customer.html")


@bp.route("/invoices")
def invoices():
    return pages.invoices_page("invoicing/partner_invoices.html")


@bp.route("/invoices.csv")
def invoices_csv():
    return exports.invoice_csv()


@bp.route("/invoices.xlsx")
def invoices_xlsx():
    return invoice_workbook.invoice_xlsx()


@bp.route("/invoices/<invoice_id>")
def invoice(invoice_id):
    return pages.invoice_page(invoice_id, "invoicing/partner_invoice.html")


@bp.route("/invoices/<invoice_id>/pdf")
def invoice_pdf(invoice_id):
    return pages.invoice_pdf(invoice_id)


def _require_admin():
    if current_user.role != "partner_admin":
        abort(404)


def _partner_tokens():
    return (
        select(ApiToken)
        .join(ApiToken.user)
        .where(User.partner_id == current_user.partner_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )


@bp.route("/tokens", methods=["GET", "POST"])
def tokens():
    _require_admin()
    form, secret = TokenForm(), None
    if form.validate_on_submit():
        _, secret = identity.create_api_token(
            db.session, user=current_user, name=form.name.data, now=utcnow()
        )
        db.session.commit()
        form = TokenForm(formdata=None)
    rows = db.session.scalars(_partner_tokens()).all()
    return render_template(
        "parties/partner_tokens.html",
        form=form, secret=secret, tokens=rows, revoke_form=RevokeTokenForm()
    )


@bp.route("/tokens/<token_id>/revoke", methods=["POST"])
def revoke_token(token_id):
    _require_admin()
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    token = db.session.scalars(
        _partner_tokens().where(ApiToken.id == (whole_number(token_id) or 0))
    ).first()
    if token is None:
        raise NotFound("No such token.")
    identity.revoke_api_token(token, utcnow())
    db.session.commit()
    message = _("The token %(name)s has been revoked; it stopped working at once.", name=token.name)
    flash(message, "info")
    return redirect(url_for("partner.tokens"))
