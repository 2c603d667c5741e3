"""What the payments domain refuses, whoever calls it (a page, the API, a webhook, the
CLI): each refusal is a domain error with a code the edge can show, and changes nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from billing.core.errors import InvalidInput, NotFound
from billing.payments import ledger
from billing.payments.models import Payment, PaymentReversal
from billing.payments.recording import Receipt, assign_payment, record_payment
from billing.payments.refunds import refund_payment, reverse_chargeback
from tests.factories import another_period_end, make_customer, make_invoice

NOW = datetime(2026, 5, 4, 16, tzinfo=UTC)


def receipt(customer_id=None, **changes):
    values = dict(currency="USD", amount_minor=1_000, received_at=NOW - timedelta(hours=1),
                  method="cheque", reference="CHQ-100", source="staff",
                  customer_id=customer_id)
    values.update(changes)
    return Receipt(**values)


@pytest.fixture
def payer(session, world):
    customer = make_customer(session, "BAD-0001", "Careful Ltd", world.partners["channel"])
    made = make_invoice(session, customer, "BAD-1", period_end=another_period_end(),
                        amount_minor=1_000, status="draft")
    made.due_date, made.status = date(2026, 4, 1), "issued"
    session.flush()
    return customer


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("changes, code", [
    (dict(amount_minor=0), "bad_amount"),
    (dict(amount_minor=-500), "bad_amount"),
    (dict(amount_minor=10.5), "bad_amount"),  # minor units are whole numbers
    (dict(amount_minor=True), "bad_amount"),
    (dict(amount_minor=2**31), "bad_amount"),  # beyond the INTEGER column
    (dict(currency="XYZ"), "invalid_input"),
    (dict(received_at=NOW + timedelta(minutes=1)), "future"),
    (dict(method="bitcoin"), "bad_method"),
    (dict(reference="  "), "bad_reference"),
], ids=["zero", "negative", "fraction", "bool", "too_large", "unknown_currency", "future",
        "unknown_method", "no_reference"])
def test_a_bad_receipt_is_refused_and_nothing_recorded(session, payer, changes, code):
    with pytest.raises(InvalidInput) as refused:
        record_payment(session, receipt(payer.id, **changes), NOW)
    assert refused.value.code == code
    assert count(session, Payment) == 0


def test_a_payment_for_an_unknown_account_is_refused(session, world):
    with pytest.raises(NotFound):
        record_payment(session, receipt(10**6), NOW)


@pytest.mark.parametrize("amount, code", [
    (0, "bad_amount"), (-1, "bad_amount"), (2.5, "bad_amount"),
    (1_001, "over_refundable"),  # 10.01 from a payment of 10.00
])
def test_a_bad_refund_is_refused_and_nothing_goes_back(session, payer, amount, code):
    payment, _ = record_payment(session, receipt(payer.id), NOW)
    with pytest.raises(InvalidInput) as refused:
        refund_payment(session, payment.id, amount, NOW)
    assert refused.value.code == code
    assert count(session, PaymentReversal) == 0
    assert ledger.figures_of(session, payment).allocated_minor == 1_000


def test_a_refund_of_an_unknown_payment_or_of_an_unknown_kind_is_refused(session, payer):
    with pytest.raises(NotFound):
        refund_payment(session, 10**6, 100, NOW)
    payment, _ = record_payment(session, receipt(payer.id), NOW)
    with pytest.raises(InvalidInput):
        refund_payment(session, payment.id, 100, NOW, kind="chargeback_reversal")


def test_a_reversal_of_a_chargeback_never_made_is_refused(session, payer):
    payment, _ = record_payment(session, receipt(payer.id), NOW)
    refund_payment(session, payment.id, 400, NOW)  # a refund is not a chargeback
    with pytest.raises(InvalidInput) as refused:
        reverse_chargeback(session, payment.id, 400, NOW)
    assert refused.value.code == "over_charged_back"
    with pytest.raises(InvalidInput) as refused:
        reverse_chargeback(session, payment.id, 0, NOW)
    assert refused.value.code == "bad_amount"
    assert count(session, PaymentReversal) == 1


def test_a_reversal_brings_back_no_more_than_chargebacks_took(session, payer):
    payment, _ = record_payment(session, receipt(payer.id), NOW)
    refund_payment(session, payment.id, 300, NOW, kind="chargeback")
    reverse_chargeback(session, payment.id, 200, NOW)
    with pytest.raises(InvalidInput):  # 3.00 taken, 2.00 back: 1.00 at most
        reverse_chargeback(session, payment.id, 101, NOW)
    assert ledger.figures_of(session, payment).held_minor == 900


def test_an_assigned_payment_is_not_assigned_again(session, world, payer):
    staff = world.users["staff"].id
    payment, _ = record_payment(session, receipt(None), NOW)
    assign_payment(session, payment.id, payer.id, ["BAD-1"], staff, "memo", NOW)
    other = world.customers["other"].id
    with pytest.raises(InvalidInput) as refused:
        assign_payment(session, payment.id, other, [], staff, "no, theirs", NOW)
    assert refused.value.code == "already_assigned"
    assert payment.customer_id == payer.id


@pytest.mark.parametrize("customer, names, reason, error", [
    ("payer", [], "  ", InvalidInput),             # no reason given
    ("payer", ["NOT-THEIRS"], "memo", InvalidInput),  # staff named someone else's invoice
    (None, [], "memo", NotFound),                  # no such account
])
def test_a_bad_assignment_is_refused_and_the_payment_waits(session, world, payer, customer,
                                                           names, reason, error):
    payment, _ = record_payment(session, receipt(None), NOW)
    customer_id = payer.id if customer else 10**6
    with pytest.raises(error):
        assign_payment(session, payment.id, customer_id, names, world.users["staff"].id,
                       reason, NOW)
    session.refresh(payment)
    assert (payment.customer_id, payment.payment_class) == (None, "unmatched")


def test_an_assignment_places_only_what_is_left_after_a_refund(session, world, payer):
    payment, _ = record_payment(session, receipt(None), NOW)
    refund_payment(session, payment.id, 700, NOW)  # 10.00 in, 7.00 back while unmatched
    assign_payment(session, payment.id, payer.id, [], world.users["staff"].id, "memo", NOW)
    # 3.00 left pays 3.00 of BAD-1 (10.00): partial; the account gets no phantom credit
    figures = ledger.figures_of(session, payment)
    assert (figures.allocated_minor, figures.unapplied_minor) == (300, 0)
    assert payment.payment_class == "partial"
    assert ledger.unapplied_credit(session, payer.id) == {}


def test_a_payment_refunded_in_full_is_placed_without_paying(session, world, payer):
    payment, _ = record_payment(session, receipt(None), NOW)
    refund_payment(session, payment.id, 1_000, NOW)
    assign_payment(session, payment.id, payer.id, [], world.users["staff"].id, "memo", NOW)
    assert payment.customer_id == payer.id
    assert ledger.figures_of(session, payment).allocated_minor == 0
