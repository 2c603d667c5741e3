"""Recording payments against the database: allocation rows, invoice status, idempotence,
unapplied credit spent on the next invoice issued, refunds and chargebacks."""

from datetime import UTC, date, datetime, timedelta

import pytest

from billing.core.errors import InvalidInput, NotFound
from billing.invoicing.issuing import issue_invoice
from billing.invoicing.models import Invoice
from billing.payments import ledger
from billing.payments.models import PaymentAllocation
from billing.payments.recording import Receipt, assign_payment, record_payment
from billing.payments.refunds import refund_payment, reverse_chargeback
from tests.factories import another_period_end, make_customer, make_invoice

NOW = datetime(2026, 4, 10, 18, tzinfo=UTC)


def invoice(session, customer, number, amount, due=date(2026, 3, 28)):
    made = make_invoice(session, customer, number, period_end=another_period_end(),
                        amount_minor=amount, status="draft")
    made.due_date, made.status = due, "issued"
    session.flush()
    return made


def pay(session, customer, amount, *names, external_id=None, currency="USD"):
    receipt = Receipt(currency=currency, amount_minor=amount, received_at=NOW - timedelta(hours=1),
                      method="wire", reference="WIRE-1", source="staff",
                      customer_id=customer.id if customer else None, named_numbers=names,
                      external_id=external_id)
    return record_payment(session, receipt, NOW)


@pytest.fixture
def customer(session, world):
    """An account of the channel partner with no invoices but those a test makes."""
    return make_customer(session, "PAY-0001", "Payer Ltd", world.partners["channel"])


def state(session, *invoices):
    for made in invoices:
        session.refresh(made)
    return [(i.paid_minor, i.status) for i in invoices]


def test_a_partial_then_a_closing_payment(session, world, customer):
    first = invoice(session, customer, "P-1", 10_000)
    payment, new = pay(session, customer, 4_000)
    assert new and payment.payment_class == "partial"
    assert state(session, first) == [(4_000, "partially_paid")]
    payment, _ = pay(session, customer, 6_000)
    assert payment.payment_class == "matched"
    assert state(session, first) == [(10_000, "paid")]


def test_oldest_due_first_unless_named(session, world, customer):
    old = invoice(session, customer, "P-OLD", 1_000, due=date(2026, 1, 1))
    new = invoice(session, customer, "P-NEW", 1_000, due=date(2026, 2, 1))
    pay(session, customer, 1_000, "P-NEW")
    assert state(session, old, new) == [(0, "issued"), (1_000, "paid")]


def test_a_replayed_outside_id_records_nothing_twice(session, world, customer):
    first = invoice(session, customer, "P-2", 10_000)
    one, new = pay(session, customer, 3_000, external_id="pi_same")
    again, new_again = pay(session, customer, 3_000, external_id="pi_same")
    assert new and not new_again and again.id == one.id
    assert state(session, first) == [(3_000, "partially_paid")]


def test_overpayment_is_spent_on_the_next_invoice_issued(session, world, customer):
    first = invoice(session, customer, "P-3", 1_000)
    payment, _ = pay(session, customer, 1_500)
    assert payment.payment_class == "overpaid"
    assert ledger.unapplied_credit(session, customer.id) == {"USD": 500}
    draft = make_invoice(session, customer, None, status="draft", amount_minor=2_000,
                         period_end=another_period_end())
    issue_invoice(session, draft.id, NOW)
    assert state(session, first, draft) == [(1_000, "paid"), (500, "partially_paid")]
    assert ledger.unapplied_credit(session, customer.id) == {}


def test_refund_takes_credit_first_then_the_latest_allocation(session, world, customer):
    first = invoice(session, customer, "P-4", 1_000)
    payment, _ = pay(session, customer, 1_300)
    reversal, _ = refund_payment(session, payment.id, 500, NOW, reason="asked")
    assert state(session, first) == [(800, "partially_paid")]
    undone = [a.amount_minor for a in session.query(PaymentAllocation)
              .filter_by(reversal_id=reversal.id)]
    assert undone == [-200]
    with pytest.raises(InvalidInput):
        refund_payment(session, payment.id, 801, NOW)


def test_chargeback_and_its_reversal(session, world, customer):
    first = invoice(session, customer, "P-5", 1_000)
    payment, _ = pay(session, customer, 1_000)
    refund_payment(session, payment.id, 1_000, NOW, kind="chargeback", external_id="dp_1")
    assert state(session, first) == [(0, "issued")]
    reverse_chargeback(session, payment.id, 1_000, NOW, external_id="dpr_1")
    assert state(session, first) == [(1_000, "paid")]


def test_unmatched_waits_then_staff_assign_it(session, world, customer):
    first = invoice(session, customer, "P-6", 1_000)
    payment, _ = pay(session, None, 1_000)
    assert payment.payment_class == "unmatched" and payment.customer_id is None
    staff = world.users["staff"]
    assign_payment(session, payment.id, customer.id, ["P-6"], staff.id, "bank memo", NOW)
    assert payment.payment_class == "matched"
    assert state(session, first) == [(1_000, "paid")]
    with pytest.raises(InvalidInput):
        assign_payment(session, payment.id, customer.id, [], staff.id, "again", NOW)
    with pytest.raises(NotFound):
        assign_payment(session, 10**6, customer.id, [], staff.id, "x", NOW)


def test_duplicate_names_invoices_already_paid(session, world, customer):
    invoice(session, customer, "P-7", 1_000)
    pay(session, customer, 1_000, "P-7")
    payment, _ = pay(session, customer, 1_000, "P-7")
    assert payment.payment_class == "duplicate"
    assert session.get(Invoice, session.query(Invoice).filter_by(number="P-7").one().id) \
        .paid_minor == 1_000
