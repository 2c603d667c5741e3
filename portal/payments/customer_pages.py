"""The customer's payment history and its receipts.

A customer's users (admin or not) see the payments of their own account and its
sub-accounts: the payments are theirs. Another account's payment is simply not found.
"""

from __future__ import annotations

from dataclasses import replace

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from billing.parties.models import Customer
from billing.payments.models import Payment, PaymentAllocation
from portal import access
from portal.extensions import db
from portal.i18n import select_locale
from portal.invoicing.pages import document_settings, pdf_response
from portal.paging import page_number, paginate
from portal.payments import queries
from portal.payments.presenters import payment_dict
from reports import labels
from reports.receipt_pdf import receipt_document, receipt_filename


def history():
    """The account's payments, newest first; ?invoice= narrows to one invoice's."""
    query = queries.account_query(_own_accounts())
    invoice = None
    if request.args.get("invoice"):
        invoice = access.get_invoice(db.session, current_user, request.args["invoice"])
        query = query.where(Payment.id.in_(
            select(PaymentAllocation.payment_id).where(
                PaymentAllocation.invoice_id == invoice.id)))
    page = paginate(db.session, query, page_number(request.args), queries.load)
    figures = queries.figures(db.session, page.items)
    rows = [payment_dict(p, figures[p.id]) for p in page.items]
    return render_template("payments/customer_payments.html", page=replace(page, items=rows),
                           invoice=invoice, method_labels=labels.METHOD_LABELS,
                           reversal_labels=labels.REVERSAL_LABELS)


def receipt_pdf(payment_id):
    payment = queries.get(db.session, payment_id, _own_accounts())
    body = receipt_document(db.session, payment, locale=select_locale(),
                            provider=document_settings().provider)
    return pdf_response(body, receipt_filename(payment))


def _own_accounts() -> list[int]:
    return list(db.session.scalars(select(Customer.id).where(
        access.customer_scope(db.session, current_user))))
