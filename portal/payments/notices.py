"""The receipt a paying account gets by e-mail when a payment is put on it (entered by
staff, or assigned from the suspense queue), at its e-mail of record and in its language.

The payment is the account's own: the receipt names the amount, the date, the reference
and the invoices it paid, as the printed receipt does.
"""

from __future__ import annotations

from portal import notices
from portal.extensions import db
from portal.payments import queries
from portal.payments.presenters import payment_dict
from reports.labels import METHOD_LABELS


def send_receipt(payment) -> None:
    """Queue the receipt in the payment's transaction (sent once it commits)."""
    db.session.flush()
    db.session.expire(payment)
    if payment.customer_id is None:
        return
    customer = payment.customer
    if not customer.email_of_record:
        return
    figures = queries.figures(db.session, [payment])[payment.id]
    notices.queue(to=customer.email_of_record, locale=customer.locale,
                  template="payments/mail_receipt.txt", kind="payment_receipt",
                  dedup_key=f"payment-receipt-{payment.id}",
                  payment=payment_dict(payment, figures), method_labels=METHOD_LABELS,
                  account={"account_number": customer.account_number, "name": customer.name})
