"""Statements read payments from their dated rows: a partial payment, an overpayment
carried as credit, refunds before and after the period's end, a credit note, a
chargeback and its reversal. Every figure is computed by hand beside its assertion.

Account AC-0400 (USD), provider-calendar days:
  invoice A 100.00, issued 29 Jan 2026, due 28 Feb
  invoice B 300.00, issued 26 Feb 2026, due 28 Mar
  20 Feb  cheque CHQ-1   30.00 naming A    -> A 30 (partial)
  10 Mar  wire   W-2     50.00 naming B    -> B 50 (partial)
  12 Mar  goodwill credit note 5.00
  20 Mar  wire   W-3    400.00             -> A 70, B 250, 80 unapplied (overpaid)
  25 Mar  refund  30.00 of W-3             -> from its unapplied credit: 50 left
  15 Apr  refund  10.00 of W-3             -> 40 left
  28 Apr  invoice C 60.00 issued, due 28 May; W-3's 40 unapplied pays it -> C open 20
"""

from datetime import UTC, date, datetime

import pytest

from billing.invoicing.statements import build_statement
from billing.payments.recording import Receipt, record_payment, spend_unapplied_credit
from billing.payments.refunds import refund_payment, reverse_chargeback
from tests.factories import make_customer, make_invoice
from tests.unit.test_statements import _note, noon

JUNE_10 = datetime(2026, 6, 10, 12, tzinfo=UTC)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
APRIL = (date(2026, 4, 1), date(2026, 4, 30))


def pay(session, customer, amount_minor, day, reference, *names, method="wire"):
    return record_payment(session, Receipt(
        currency="USD", amount_minor=amount_minor, received_at=noon(day), method=method,
        reference=reference, source="staff", customer_id=customer.id, named_numbers=names),
        noon(day))[0]


@pytest.fixture
def account(session, world):
    customer = make_customer(session, "AC-0400", "Statement Payer")
    make_invoice(session, customer, "USD-2026-004001", period_end=date(2026, 2, 25),
                 amount_minor=10_000)  # A
    make_invoice(session, customer, "USD-2026-004002", period_end=date(2026, 3, 25),
                 amount_minor=30_000)  # B
    pay(session, customer, 3_000, date(2026, 2, 20), "CHQ-1", "USD-2026-004001",
        method="cheque")
    partial = pay(session, customer, 5_000, date(2026, 3, 10), "W-2", "USD-2026-004002")
    _note(session, customer, 500, date(2026, 3, 12))
    over = pay(session, customer, 40_000, date(2026, 3, 20), "W-3")
    refund_payment(session, over.id, 3_000, noon(date(2026, 3, 25)), reason="asked back")
    refund_payment(session, over.id, 1_000, noon(date(2026, 4, 15)), reason="asked back")
    make_invoice(session, customer, "USD-2026-004003", period_end=date(2026, 5, 25),
                 amount_minor=6_000)  # C: issued 28 Apr, as the issuing spends credit
    spend_unapplied_credit(session, customer.id, "USD", noon(date(2026, 4, 28)))
    session.flush()
    assert (partial.payment_class, over.payment_class) == ("partial", "overpaid")
    return customer


def test_march_lists_dated_payments_and_the_refund(session, account):
    s = build_statement(session, account, *MARCH, JUNE_10)
    # before 1 Mar: A 100.00 + B 300.00 charged - 30.00 cheque = 370.00
    assert s.opening_minor == 10_000 + 30_000 - 3_000 == 37_000
    assert s.invoices == []
    assert [(p.received_on, p.method, p.reference, p.amount_minor) for p in s.payments] == [
        (date(2026, 3, 10), "wire", "W-2", 5_000), (date(2026, 3, 20), "wire", "W-3", 40_000)]
    # the April refund is not in March
    assert [(r.on, r.kind, r.reference, r.amount_minor) for r in s.reversals] == [
        (date(2026, 3, 25), "refund", "W-3", 3_000)]
    assert (s.paid_minor, s.reversed_minor) == (45_000, 3_000)
    # opening + charges - payments + refunds - credits = closing
    # 370.00 + 0 - 450.00 + 30.00 - 5.00 = -55.00: the account is in credit
    assert s.closing_minor == 37_000 + 0 - 45_000 + 3_000 - 500 == -5_500


def test_march_ageing_carries_the_overpayment_as_credit(session, account):
    ageing = build_statement(session, account, *MARCH, JUNE_10).ageing
    # A: 100.00 - 30.00 - 70.00 = 0; B: 300.00 - 50.00 - 250.00 = 0
    assert set(ageing.buckets.values()) == {0}
    # W-3: 400.00 - 30.00 refunded - 320.00 allocated = 50.00 unapplied on 31 Mar
    assert ageing.unapplied_payment_minor == 40_000 - 3_000 - 32_000 == 5_000
    assert ageing.unapplied_credit_minor == 500  # the credit note, spent on nothing
    assert ageing.total_minor == -5_000 - 500 == -5_500


def test_april_spends_the_credit_on_the_new_invoice(session, account):
    s = build_statement(session, account, *APRIL, JUNE_10)
    assert s.opening_minor == -5_500  # March's closing
    assert [i.number for i in s.invoices] == ["USD-2026-004003"]
    assert s.payments == [] and [r.amount_minor for r in s.reversals] == [1_000]
    # -55.00 + 60.00 charged - 0 paid + 10.00 refunded - 0 credited = 15.00
    assert s.closing_minor == -5_500 + 6_000 + 1_000 == 1_500
    # C: 60.00 - 40.00 (W-3's credit left after both refunds: 50.00 - 10.00) = 20.00,
    # due 28 May: not yet due; W-3 holds nothing unapplied; the 5.00 note still does
    assert s.ageing.buckets["current"] == 6_000 - (5_000 - 1_000) == 2_000
    assert (s.ageing.unapplied_payment_minor, s.ageing.unapplied_credit_minor) == (0, 500)
    assert s.ageing.total_minor == 2_000 - 500 == s.closing_minor


def test_a_statement_before_the_credit_was_spent_does_not_change_afterwards(session, account):
    """The invoice paid in April from March's credit: March's ageing is read from dated
    rows, so it still shows the 50.00 credit though the invoices' paid amounts moved on."""
    assert build_statement(session, account, *MARCH, JUNE_10).ageing.unapplied_payment_minor \
        == 5_000


def test_a_chargeback_raises_the_balance_and_its_reversal_lowers_it(session, world):
    customer = make_customer(session, "AC-0401", "Disputing Payer")
    make_invoice(session, customer, "USD-2026-004011", period_end=date(2026, 3, 25),
                 amount_minor=20_000)  # issued 26 Feb, due 28 Mar
    card = pay(session, customer, 20_000, date(2026, 3, 2), "pi_1", method="card")
    # 5 Mar: the bank takes 200.00 back; 12 Mar: it returns 200.00, paying the invoice again
    refund_payment(session, card.id, 20_000, noon(date(2026, 3, 5)), kind="chargeback")
    reverse_chargeback(session, card.id, 20_000, noon(date(2026, 3, 12)))
    in_between = build_statement(session, customer, date(2026, 3, 1), date(2026, 3, 8),
                                 JUNE_10)
    # 200.00 opening - 200.00 paid + 200.00 charged back = 200.00 owed again, 1-30 is
    # empty: the invoice is due 28 Mar, so the 200.00 is not yet due on 8 Mar
    assert in_between.closing_minor == 20_000 - 20_000 + 20_000 == 20_000
    assert in_between.ageing.buckets["current"] == 20_000
    assert in_between.ageing.unapplied_payment_minor == 0
    march = build_statement(session, customer, *MARCH, JUNE_10)
    assert [(r.kind, r.amount_minor, r.balance_effect_minor) for r in march.reversals] == [
        ("chargeback", 20_000, 20_000), ("chargeback_reversal", 20_000, -20_000)]
    # 200.00 - 200.00 + 200.00 - 200.00 = 0, and nothing ages
    assert march.closing_minor == 0 and march.ageing.total_minor == 0
    assert march.ageing.unapplied_payment_minor == 0


def test_a_cheque_recorded_late_counts_on_the_day_it_was_received(session, world):
    """Received 10 Mar, typed in by staff on 20 Apr: March's statement has it paying the
    invoice on 10 Mar, not sitting as credit until April."""
    customer = make_customer(session, "AC-0402", "Late Typist")
    make_invoice(session, customer, "USD-2026-004021", period_end=date(2026, 3, 25),
                 amount_minor=20_000)  # issued 26 Feb, due 28 Mar
    record_payment(session, Receipt(
        currency="USD", amount_minor=15_000, received_at=noon(date(2026, 3, 10)),
        method="cheque", reference="CHQ-LATE", source="staff", customer_id=customer.id),
        noon(date(2026, 4, 20)))
    march = build_statement(session, customer, *MARCH, JUNE_10)
    assert [(p.received_on, p.amount_minor) for p in march.payments] == [
        (date(2026, 3, 10), 15_000)]
    # 200.00 - 150.00 = 50.00 open on 31 Mar, 3 days past due; no credit left over
    assert march.ageing.buckets["1-30"] == 5_000 and march.ageing.unapplied_payment_minor == 0
    assert march.closing_minor == 20_000 - 15_000 == march.ageing.total_minor
