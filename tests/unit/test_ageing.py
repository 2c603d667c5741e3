"""The receivables ageing: the pure bucketing, then the ageing of a small world
(tests/ageing_helpers.py) hand-checked at a past day and checked against the balance
module today."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from billing.collections.ageing import Ageing, age, bucket_for, bucket_of, receivables_ageing
from billing.core.clock import provider_date, utcnow
from billing.invoicing import balance
from billing.invoicing.balance import DatedBalance, compute
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from tests.ageing_helpers import AS_OF, build_aged_world
from tests.querycount import counted


@pytest.mark.parametrize("days, bucket", [
    (-30, "current"), (0, "current"),  # not yet due; on its due date it is still current
    (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")])
def test_days_past_due_fall_in_their_bucket(days, bucket):
    assert bucket_of(days) == bucket


def test_buckets_count_calendar_days_from_the_due_date():
    assert bucket_for(date(2026, 3, 1), date(2026, 3, 31)) == "1-30"  # 30 days
    assert bucket_for(date(2026, 3, 1), date(2026, 4, 1)) == "31-60"  # 31 days
    assert bucket_for(date(2026, 2, 28), date(2026, 5, 29)) == "61-90"  # 31 + 30 + 29 = 90 days
    assert bucket_for(None, date(2026, 3, 31)) == "current"


def _dated(invoice_id, customer_id, due, currency="USD", **figures):
    values = dict(billed_minor=100_00, credited_minor=0, paid_minor=0, disputed_minor=0)
    values.update(figures)
    return DatedBalance(invoice_id, customer_id, due,
                        compute(currency=currency, due_date=due, on=AS_OF, **values))


def test_an_account_sums_its_invoices_per_bucket_and_keeps_disputes_apart():
    rows = age([
        _dated(1, 7, date(2026, 7, 15)),  # current 100.00
        _dated(2, 7, date(2026, 6, 1), paid_minor=25_00),  # 29 days: 1-30 75.00
        _dated(3, 7, date(2026, 4, 1), disputed_minor=30_00),  # 90 days: 61-90 70.00, held 30.00
        _dated(4, 7, date(2026, 1, 1), paid_minor=100_00),  # paid: nothing
    ], AS_OF)
    assert len(rows) == 1
    assert rows[0].amounts == {"current": 100_00, "1-30": 75_00, "31-60": 0, "61-90": 70_00,
                               "90+": 0, "disputed": 30_00}
    assert rows[0].collectible_minor == 245_00  # 100 + 75 + 70, the held 30 apart


def test_currencies_are_kept_apart_and_paid_up_accounts_left_out():
    rows = age([
        _dated(1, 7, date(2026, 6, 1)),
        _dated(2, 7, date(2026, 6, 1), currency="CAD", billed_minor=40_00),
        _dated(3, 8, date(2026, 6, 1), paid_minor=100_00),  # account 8 owes nothing
    ], AS_OF)
    assert [(r.customer_id, r.currency, r.amounts["1-30"]) for r in rows] == [
        (7, "CAD", 40_00), (7, "USD", 100_00)]
    totals = Ageing(AS_OF, rows).totals()
    assert list(totals) == ["CAD", "USD"]
    assert totals["CAD"]["1-30"] == 40_00 and totals["USD"]["1-30"] == 100_00


def test_an_overpaid_invoice_lowers_its_bucket_as_it_lowers_the_balance():
    rows = age([_dated(1, 7, date(2026, 6, 1)),
                _dated(2, 7, date(2026, 6, 20), paid_minor=110_00)], AS_OF)
    assert rows[0].amounts["1-30"] == 90_00  # 100.00 owed, 10.00 overpaid


# --- the small world, from the database ----------------------------------------------------

@pytest.fixture
def aged(session, world):
    return build_aged_world(session, world)


def _ours():
    return select(Customer.id).where(Customer.account_number.like("AGE-%"))


def test_the_ageing_at_a_past_day_matches_the_hand_checked_table(session, aged):
    ageing = receivables_ageing(session, AS_OF, _ours())
    assert ageing.totals() == {
        "CAD": {"current": 0, "1-30": 0, "31-60": 0, "61-90": 80_00, "90+": 70_00,
                "disputed": 0},
        "USD": {"current": 100_00, "1-30": 210_00, "31-60": 100_00, "61-90": 0, "90+": 0,
                "disputed": 40_00},
    }
    by_account = {(r.customer_id, r.currency): r.amounts for r in ageing.accounts}
    assert by_account[(aged.approved.id, "USD")]["1-30"] == 150_00  # A2 50 + A3 100
    assert by_account[(aged.refunded.id, "USD")]["1-30"] == 60_00  # the refund reopened C1
    assert [r.customer_id for r in ageing.in_bucket("USD", "31-60")] == [aged.approved.id]
    assert [r.customer_id for r in ageing.in_bucket("CAD", "90+")] == [aged.unapproved.id]


def test_a_payment_counts_from_the_day_it_was_received_and_a_refund_on_its_day(session, aged):
    before_refund = receivables_ageing(session, date(2026, 6, 19), _ours())
    assert aged.refunded.id not in [r.customer_id for r in before_refund.accounts]
    after_payment = receivables_ageing(session, date(2026, 7, 2), _ours())
    b = [r for r in after_payment.accounts if r.customer_id == aged.unapproved.id][0]
    assert (b.amounts["61-90"], b.amounts["90+"]) == (0, 70_00)  # B2 paid, B1 92 days late


def test_an_invoice_counts_from_its_issue_day(session, aged):
    july = receivables_ageing(session, date(2026, 7, 5), _ours())
    c = [r for r in july.accounts if r.customer_id == aged.refunded.id][0]
    assert c.amounts["current"] == 60_00  # C2, issued that day, due 08-04


def test_today_the_ageing_adds_up_to_every_account_balance(session, aged):
    now = utcnow()
    ageing = receivables_ageing(session, provider_date(now))
    accounts = session.scalars(select(Customer)).all()
    for row in ageing.accounts:
        owed = balance.account_balances(session, row.customer_id, now)[row.currency]
        assert (row.collectible_minor, row.amounts["disputed"]) == (
            owed.collectible_minor, owed.held_minor)
    for currency, sums in ageing.totals().items():
        balances = [balance.account_balances(session, a.id, now).get(currency)
                    for a in accounts]
        assert sum(sums[b] for b in ("current", "1-30", "31-60", "61-90", "90+")) == sum(
            b.collectible_minor for b in balances if b)
        assert sums["disputed"] == sum(b.held_minor for b in balances if b)


def test_today_what_was_paid_is_what_the_invoices_say(session, aged):
    ids = select(Invoice.id)
    paid = balance.paid_through(session, ids, provider_date(utcnow()))
    for invoice in session.scalars(select(Invoice)):
        assert paid.get(invoice.id, 0) == invoice.paid_minor, invoice.number


def test_the_ageing_takes_three_queries_however_many_accounts(session, aged):
    with counted(session.get_bind()) as statements:
        receivables_ageing(session, AS_OF)
    assert len(statements) == 3
