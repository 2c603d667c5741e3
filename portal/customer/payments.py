"""The customer's payment history and receipt PDFs (portal/payments/customer_pages.py)."""

from portal.customer import bp
from portal.payments import customer_pages


@bp.route("/payments")
def payments():
    return customer_pages.history()


@bp.route("/payments/<payment_id>/receipt.pdf")
def payment_receipt(payment_id):
    return customer_pages.receipt_pdf(payment_id)
