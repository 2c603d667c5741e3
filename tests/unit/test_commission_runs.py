"""Monthly commission runs against the database: what a month earns down the agency tree,
idempotence, money recorded late, clawback in the month of the refund, approval.

Plans: agency 20 %, its sub-agent 15 %, the sub-agent's sub-agent 10 % (recurring), so a
customer of the sub-sub-agent earns them 10, 5 and 5 %; the channel partner 10 %.
"""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.commissions.models import CommissionLine, CommissionPlan
from billing.commissions.runs import approve_run, run_month
from billing.core.errors import InvalidInput
from billing.invoicing.models import Invoice, InvoiceLine
from billing.parties.models import Partner
from billing.payments.recording import Receipt, record_payment, spend_unapplied_credit
from billing.payments.refunds import refund_payment, reverse_chargeback
from tests.factories import another_period_end, make_customer

MARCH = datetime(2026, 3, 10, 18, tzinfo=UTC)
APRIL = datetime(2026, 4, 10, 18, tzinfo=UTC)
MAY = datetime(2026, 5, 10, 18, tzinfo=UTC)


def plan(session, partner, recurring, usage=0, since=date(2026, 1, 1)):
    session.add(CommissionPlan(partner=partner, effective_from=since,
                               recurring_rate=Decimal(recurring), usage_rate=Decimal(usage),
                               one_time_rate=Decimal(0)))
    session.flush()


@pytest.fixture
def plans(session, world):
    p = world.partners
    for key, rate in [("agency", 20), ("sub", 15), ("subsub", 10), ("channel", 10),
                      ("wholesale", 10)]:
        plan(session, p[key], rate, usage=5)
    session.commit()
    return p


def bill(session, customer, number, recurring, usage=0, tax=0):
    """An issued invoice of these lines (minor units)."""
    end = another_period_end()
    lines = [(kind, amount) for kind, amount in
             [("recurring", recurring), ("usage", usage), ("tax", tax)] if amount]
    made = Invoice(customer=customer, number=number, period_start=end - timedelta(days=27),
                   period_end=end, issue_date=end, due_date=end + timedelta(days=3),
                   status="issued", currency=customer.currency, subtotal_minor=recurring + usage,
                   tax_minor=tax, total_minor=recurring + usage + tax, bill_to={}, lines=[
                       InvoiceLine(position=i + 1, kind=kind, description=kind,
                                   quantity=Decimal(1), unit_price=Decimal(amount) / 100,
                                   amount_minor=amount) for i, (kind, amount) in enumerate(lines)])
    session.add(made)
    session.flush()
    return made


def pay(session, customer, amount, now, currency="USD"):
    payment, _ = record_payment(session, Receipt(
        currency=currency, amount_minor=amount, received_at=now, method="wire",
        reference="WIRE", source="staff", customer_id=customer.id), now)
    session.commit()
    return payment


def earned(session, month=None):
    """{(partner code, month): amount} over every line."""
    query = (select(CommissionLine.partner_id, CommissionLine.month,
                    func.sum(CommissionLine.amount_minor))
             .group_by(CommissionLine.partner_id, CommissionLine.month))
    if month:
        query = query.where(CommissionLine.month == month)
    codes = dict(session.execute(select(Partner.id, Partner.code)).all())
    return {(codes[p], m): int(a) for p, m, a in session.execute(query)}


@pytest.fixture
def subsub_customer(session, world):
    return make_customer(session, "COM-0001", "Tree Customer", world.partners["subsub"])


def test_a_month_earns_down_the_tree(session, plans, subsub_customer):
    bill(session, subsub_customer, "C-1", 10_000, usage=2_000, tax=1_000)
    pay(session, subsub_customer, 13_000, MARCH)
    result = run_month(session, "2026-03", MARCH, started_by="test")
    # recurring 10_000: 10 % = 1_000, 5 % = 500, 5 % = 500; usage 2_000 x 5 % = 100 to the
    # serving partner only (the others' usage rate is 5 % too: overrides 0); tax nothing
    assert earned(session) == {("AG-SS", "2026-03"): 1_100, ("AG-S", "2026-03"): 500,
                               ("AG", "2026-03"): 500}
    assert (result.events_seen, result.lines_added) == (1, 4)


def test_a_second_run_of_the_month_adds_nothing(session, plans, subsub_customer):
    bill(session, subsub_customer, "C-1", 10_000)
    pay(session, subsub_customer, 10_000, MARCH)
    run_month(session, "2026-03", MARCH)
    before = earned(session)
    again = run_month(session, "2026-03", MARCH)
    assert (again.events_seen, again.lines_added) == (0, 0) and earned(session) == before
    assert again.run.lines_added == 3


def test_money_recorded_after_a_draft_run_is_added_by_the_next_run(session, plans,
                                                                   subsub_customer):
    bill(session, subsub_customer, "C-1", 10_000)
    pay(session, subsub_customer, 4_000, MARCH)
    run_month(session, "2026-03", MARCH)
    pay(session, subsub_customer, 6_000, MARCH)
    assert run_month(session, "2026-03", MARCH).lines_added == 3
    # 10_000 x 10 % = 1_000 in two lines: 400 + 600
    assert earned(session)[("AG-SS", "2026-03")] == 1_000


def test_money_recorded_late_in_a_closed_month_is_earned_the_next_month(session, plans,
                                                                       subsub_customer):
    bill(session, subsub_customer, "C-1", 10_000)
    run_month(session, "2026-03", MARCH)
    approve_run(session, "2026-03", "boss", APRIL)
    pay(session, subsub_customer, 10_000, MARCH)  # recorded as of March, after approval
    with pytest.raises(InvalidInput):
        run_month(session, "2026-03", APRIL)
    session.rollback()
    run_month(session, "2026-04", APRIL)
    assert earned(session) == {("AG-SS", "2026-04"): 1_000, ("AG-S", "2026-04"): 500,
                               ("AG", "2026-04"): 500}


def test_a_refund_claws_back_in_its_own_month_at_the_rates_earned(session, world, plans,
                                                                  subsub_customer):
    bill(session, subsub_customer, "C-1", 10_000)
    payment = pay(session, subsub_customer, 10_000, MARCH)
    run_month(session, "2026-03", MARCH)
    plan(session, world.partners["subsub"], 12, since=date(2026, 4, 1))
    refund_payment(session, payment.id, 4_000, APRIL)
    session.commit()
    run_month(session, "2026-04", APRIL)
    # -4_000 at March's 10 / 5 / 5 % (not April's 12 %): -400, -200, -200
    assert earned(session, "2026-04") == {("AG-SS", "2026-04"): -400, ("AG-S", "2026-04"): -200,
                                          ("AG", "2026-04"): -200}


def test_a_chargeback_and_its_reversal(session, world, plans):
    customer = make_customer(session, "COM-0002", "Card Payer", world.partners["channel"])
    bill(session, customer, "C-2", 10_000)
    payment = pay(session, customer, 10_000, MARCH)
    run_month(session, "2026-03", MARCH)
    refund_payment(session, payment.id, 10_000, APRIL, kind="chargeback")
    session.commit()
    run_month(session, "2026-04", APRIL)
    reverse_chargeback(session, payment.id, 10_000, MAY)
    session.commit()
    run_month(session, "2026-05", MAY)
    # +1_000 in March, -1_000 in April, +1_000 again in May
    assert earned(session) == {("CH", "2026-03"): 1_000, ("CH", "2026-04"): -1_000,
                               ("CH", "2026-05"): 1_000}


def test_overpayment_credit_earns_when_it_pays_a_later_invoice(session, world, plans):
    customer = make_customer(session, "COM-0003", "Overpayer", world.partners["channel"])
    bill(session, customer, "C-3", 10_000)
    pay(session, customer, 15_000, MARCH)  # 5_000 left as unapplied credit
    run_month(session, "2026-03", MARCH)
    bill(session, customer, "C-4", 5_000)
    spend_unapplied_credit(session, customer.id, "USD", APRIL)
    session.commit()
    run_month(session, "2026-04", APRIL)
    # March: 10_000 x 10 % = 1_000; April: the 5_000 of credit allocated, x 10 % = 500
    assert earned(session) == {("CH", "2026-03"): 1_000, ("CH", "2026-04"): 500}


def test_currencies_are_kept_apart(session, world, plans):
    usd = make_customer(session, "COM-0004", "Dollar Co", world.partners["channel"])
    cad = make_customer(session, "COM-0005", "Loonie Co", world.partners["channel"],
                        currency="CAD")
    bill(session, usd, "C-5", 10_000)
    bill(session, cad, "C-6", 20_000)
    pay(session, usd, 10_000, MARCH)
    pay(session, cad, 20_000, MARCH, currency="CAD")
    run_month(session, "2026-03", MARCH)
    run = approve_run(session, "2026-03", "boss", APRIL)
    channel = world.partners["channel"].id
    assert run.payables == [{"partner_id": channel, "currency": "CAD", "amount_minor": 2_000},
                            {"partner_id": channel, "currency": "USD", "amount_minor": 1_000}]


def test_direct_customers_and_wholesale_rebillers_earn_nothing(session, world, plans):
    direct = make_customer(session, "COM-0006", "Direct", None)
    rebilled = make_customer(session, "COM-0007", "Rebilled", world.partners["wholesale"])
    for customer, number in [(direct, "C-7"), (rebilled, "C-8")]:
        bill(session, customer, number, 10_000)
        pay(session, customer, 10_000, MARCH)
    result = run_month(session, "2026-03", MARCH)
    assert (result.events_seen, result.lines_added) == (2, 0)


def test_approval_waits_for_the_month_to_end_and_closes_it(session, plans, subsub_customer):
    bill(session, subsub_customer, "C-1", 10_000)
    pay(session, subsub_customer, 10_000, MARCH)
    run_month(session, "2026-03", MARCH)
    with pytest.raises(InvalidInput, match="not over"):
        approve_run(session, "2026-03", "boss", MARCH)
    run = approve_run(session, "2026-03", "boss", APRIL)
    assert run.status == "approved" and sum(p["amount_minor"] for p in run.payables) == 2_000
    with pytest.raises(InvalidInput, match="already approved"):
        approve_run(session, "2026-03", "boss", APRIL)


def test_a_month_not_begun_is_refused(session, plans):
    with pytest.raises(InvalidInput, match="not begun"):
        run_month(session, "2026-04", MARCH)


@pytest.mark.postgres_only
def test_two_runs_at_once_give_one_set_of_lines(session, db, plans, subsub_customer):
    for number in range(5):
        bill(session, subsub_customer, f"C-P{number}", 10_000)
    pay(session, subsub_customer, 50_000, MARCH)
    engine, barrier, results = db.engine, threading.Barrier(2), []

    def run():
        with Session(engine) as own:
            barrier.wait()
            results.append(run_month(own, "2026-03", MARCH).lines_added)
            own.commit()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 5 allocations x 3 partners; one run wrote them all, the other found nothing to do
    assert sorted(results) == [0, 15]
    assert session.scalar(select(func.count()).select_from(CommissionLine)) == 15
