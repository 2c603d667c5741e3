"""The demo's payment history, recorded by the same code as real payments (source "demo",
offline methods: no Stripe key is needed).

Invoices for periods before September are paid in full, each by one cheque, wire or ACH
transfer naming it, a couple of weeks after it was issued; those for September's period
are half paid (partial payments); the last ones stay open. One account then pays more
than all it owes (the rest stays on the account as unapplied credit, spent by its next
invoice) and asks for part of that surplus back (a refund).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from billing.core.clock import PROVIDER_TZ
from billing.invoicing.models import Invoice
from billing.payments import ledger
from billing.payments.models import OFFLINE_METHODS
from billing.payments.recording import Receipt, record_payment
from billing.payments.refunds import refund_payment
from portal.cli.demo.accounts import SEED_AT

PAID_BEFORE = date(2026, 9, 1)  # periods ending before: paid in full
HALF_PAID_BEFORE = date(2026, 10, 1)  # periods ending before (and after PAID_BEFORE): half
OVERPAID_AT = SEED_AT - timedelta(days=2)
SURPLUS_MINOR = 25_000  # what the overpaying account pays beyond all it owes
REFUNDED_MINOR = 10_000  # of which it asks this much back


def record_payments(session, rng, overpayer) -> None:
    """Pay the demo's invoices as described above; `overpayer` is the account that pays
    too much and gets part of it back."""
    invoices = session.scalars(
        select(Invoice).where(Invoice.status == "issued", Invoice.total_minor > 0,
                              Invoice.period_end < HALF_PAID_BEFORE)
        .order_by(Invoice.issue_date, Invoice.id)).all()
    planned = []
    for invoice in invoices:
        amount = invoice.total_minor if invoice.period_end < PAID_BEFORE \
            else invoice.total_minor // 2
        if amount <= 0:
            continue
        day = invoice.issue_date + timedelta(days=rng.randint(8, 24))
        received = datetime.combine(day, time(rng.randint(9, 16)), PROVIDER_TZ).astimezone(UTC)
        planned.append((min(received, SEED_AT), invoice, amount))
    for number, (received, invoice, amount) in enumerate(sorted(
            planned, key=lambda p: (p[0], p[1].id)), start=1):
        method = OFFLINE_METHODS[number % len(OFFLINE_METHODS)]
        _pay(session, invoice.customer_id, invoice.currency, amount, received, method,
             f"{method.upper()}-{number:05d}", (invoice.number,))
    _overpay_and_refund(session, overpayer)


def _overpay_and_refund(session, customer) -> None:
    owed = sum(i.open_minor for i in ledger.open_invoices(session, customer.id,
                                                          customer.currency))
    payment = _pay(session, customer.id, customer.currency, owed + SURPLUS_MINOR, OVERPAID_AT,
                   "wire", "WIRE-OVERPAID-1")
    refund_payment(session, payment.id, REFUNDED_MINOR, OVERPAID_AT + timedelta(days=1),
                   reason="The customer asked for part of its overpayment back.")


def _pay(session, customer_id, currency, amount, received, method, reference, names=()):
    payment, _ = record_payment(session, Receipt(
        currency=currency, amount_minor=amount, received_at=received, method=method,
        reference=reference, source="demo", customer_id=customer_id, named_numbers=names,
        external_id=f"demo-{reference}", note="Demo data"), received)
    return payment
