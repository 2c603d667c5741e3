"""Payment receipts rendered as a worker would (no app, no request), opened and read."""

from __future__ import annotations

from datetime import timedelta

from billing.core.clock import utcnow
from billing.payments.models import Payment
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment
from reports.receipt_pdf import receipt_document, receipt_filename
from tests.pdf.pdftext import pdf_text
from tests.pdf.test_documents_without_request import in_a_worker

PROVIDER = {"name": "Northwind Unified Communications", "address": "Denver"}


def _paid_both(session, world):
    """One cheque paying the channel's invoice and a second one of the same account."""
    from tests.factories import another_period_end, make_invoice

    customer = world.customers["channel"]
    second = make_invoice(session, customer, "USD-2026-900001",
                          period_end=another_period_end(), amount_minor=20000)
    payment, _ = record_payment(session, Receipt(
        "USD", 900000, utcnow() - timedelta(days=1), "cheque", "CHQ 4711/B", "staff",
        customer_id=customer.id, named_numbers=(world.invoices["channel"].number,
                                                second.number)), utcnow())
    session.commit()
    return payment, second


def _text(db, payment_id, locale="en_US") -> str:
    def work(session):
        return receipt_document(session, session.get(Payment, payment_id), locale=locale,
                                provider=PROVIDER)
    return " ".join(pdf_text(in_a_worker(db, work)).split())


def test_the_receipt_shows_the_amount_and_each_invoice_paid(db, session, world):
    payment, second = _paid_both(session, world)
    text = _text(db, payment.id)
    assert "Payment receipt" in text and "$9,000.00" in text and "CHQ 4711/B" in text
    assert f"{world.invoices['channel'].number} $8,642.19" in text
    assert f"{second.number} $200.00" in text
    assert "$157.81" in text  # 9,000.00 - 8,642.19 - 200.00 kept as credit
    assert "Channel Customer" in text and "AC-0001" in text


def test_the_receipt_shows_refunds_and_speaks_the_accounts_language(db, session, world):
    payment, _ = _paid_both(session, world)
    refund_payment(session, payment.id, 15781, utcnow(), reason="Overpaid")
    session.commit()
    text = _text(db, payment.id, locale="fr")
    assert "9 000,00 $US" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "157,81" in text


def test_the_file_name_carries_no_unsafe_characters(session, world):
    payment, _ = _paid_both(session, world)
    assert receipt_filename(payment) == f"receipt-{payment.id}-CHQ_4711_B.pdf"
