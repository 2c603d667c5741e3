"""An invoice's payments and credits as its page lists them: each allocation of a
payment, what a refund or chargeback took back, and the credit notes applied on it."""

from datetime import UTC, date, datetime, timedelta

from billing.invoicing.activity import invoice_activity
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment
from tests.factories import make_invoice

PAID_AT = datetime(2026, 4, 2, 17, tzinfo=UTC)  # 11:00 on 2 April in Denver


def _pay(session, customer, number, amount_minor, at=PAID_AT, reference="WIRE-1"):
    payment, _ = record_payment(session, Receipt(
        currency="USD", amount_minor=amount_minor, received_at=at, method="wire",
        reference=reference, source="staff", customer_id=customer.id,
        named_numbers=(number,)), at)
    return payment


def test_payments_and_a_refund_are_listed_oldest_first(session, world):
    customer = world.customers["direct"]
    invoice = world.invoices["direct"]
    first = _pay(session, customer, invoice.number, 5_000)
    _pay(session, customer, invoice.number, 1_000, PAID_AT + timedelta(days=3), "CHQ-9")
    refund_payment(session, first.id, 2_000, PAID_AT + timedelta(days=5), reason="asked")
    entries = [(e.kind, e.on, e.reference, e.method, e.amount_minor)
               for e in invoice_activity(session, invoice)]
    assert entries == [
        ("payment", date(2026, 4, 2), "WIRE-1", "wire", 5_000),
        ("payment", date(2026, 4, 5), "CHQ-9", "wire", 1_000),
        ("refund", date(2026, 4, 7), "WIRE-1", "wire", -2_000),
    ]


def test_an_invoice_without_payments_or_credits_has_no_entries(session, world):
    invoice = make_invoice(session, world.customers["direct"], "ACT-EMPTY",
                           period_end=date(2025, 12, 25))
    assert invoice_activity(session, invoice) == []
