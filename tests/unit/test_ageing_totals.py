"""The ageing totals summed by the database (`receivables_totals`) against the
reference, the ageing worked out invoice by invoice in Python (`receivables_ageing`):
on the hand-checked world, and on seeded random books of payments, refunds,
chargebacks and disputes, seen on many days, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from billing.collections.ageing import receivables_ageing, receivables_totals
from billing.core.errors import InvalidInput
from billing.disputes import filing
from billing.parties.models import Customer
from billing.payments.refunds import refund_payment, reverse_chargeback
from tests.ageing_helpers import AS_OF, bill, build_aged_world, noon, pay
from tests.factories import make_customer, make_tiers, make_user
from tests.querycount import counted

FIRST_DAY = date(2026, 1, 5)
SEEDS = range(6)


def _ours():
    return select(Customer.id).where(Customer.account_number.like("AGE-%"))


def test_the_totals_of_the_hand_checked_world_are_the_reference_ones(session, world):
    build_aged_world(session, world)
    assert receivables_totals(session, AS_OF, _ours()) == {
        "CAD": {"current": 0, "1-30": 0, "31-60": 0, "61-90": 80_00, "90+": 70_00,
                "disputed": 0},
        "USD": {"current": 100_00, "1-30": 210_00, "31-60": 100_00, "61-90": 0, "90+": 0,
                "disputed": 40_00},
    }


def test_nothing_owed_gives_no_currency(session, world):
    assert receivables_totals(session, AS_OF, _ours()) == {}


def test_the_totals_take_one_query_however_many_accounts(session, world):
    build_aged_world(session, world)
    with counted(session.get_bind()) as statements:
        receivables_totals(session, AS_OF)
    assert len(statements) == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_random_books_total_the_same_as_the_reference_on_every_day(session, world, seed):
    rng = random.Random(seed)
    _random_book(session, world, rng)
    days = [FIRST_DAY + timedelta(days=rng.randrange(0, 260)) for _ in range(10)]
    scopes = [None, _ours(), select(Customer.id).where(Customer.account_number.like("AGE-R1%"))]
    for day in sorted(days):
        for scope in scopes:
            expected = receivables_ageing(session, day, scope).totals()
            assert receivables_totals(session, day, scope) == expected, (seed, day)


def _random_book(session, world, rng: random.Random) -> None:
    """Accounts in two currencies, invoices due on random days (some paid more than
    they ask, some not issued yet at the days asked), payments that name invoices or
    not, refunds and chargebacks and their reversals, and disputes filed, settled with
    a credit, withdrawn, or settled and reopened on random days; committed."""
    make_tiers(session)
    partner = world.partners["channel"]
    for n in range(rng.randint(3, 6)):
        currency = rng.choice(["USD", "USD", "CAD"])
        customer = make_customer(session, f"AGE-R{n}", f"Random Books {n}", partner=partner,
                                 currency=currency)
        filer = make_user(session, f"filer{n}@random.test", "customer_admin", customer=customer)
        invoices = [_random_invoice(session, customer, f"AGE-R{n}-{i}", rng)
                    for i in range(rng.randint(1, 6))]
        payments = [_random_payment(session, customer, invoices, rng)
                    for _ in range(rng.randint(0, 4))]
        for payment, received in payments:
            _random_reversal(session, payment, received, rng)
        for invoice in rng.sample(invoices, k=rng.randint(0, len(invoices))):
            _random_dispute(session, invoice, filer, rng)
    session.commit()


def _random_invoice(session, customer, number: str, rng: random.Random):
    issued = FIRST_DAY + timedelta(days=rng.randrange(0, 200))
    return bill(session, customer, number, amount=rng.randint(1, 500) * 100, issued=issued,
                due=issued + timedelta(days=rng.choice([0, 10, 30, 45])))


def _random_payment(session, customer, invoices, rng: random.Random):
    received = FIRST_DAY + timedelta(days=rng.randrange(0, 240))
    named = [i.number for i in rng.sample(invoices, k=rng.randint(0, min(2, len(invoices))))]
    payment = pay(session, customer, rng.randint(1, 400) * 100, received, *named)
    return payment, received


def _random_reversal(session, payment, received: date, rng: random.Random) -> None:
    if rng.random() < 0.5:
        return
    at = noon(received + timedelta(days=rng.randint(0, 40)))
    kind = rng.choice(["refund", "chargeback"])
    try:
        refund_payment(session, payment.id, rng.randint(1, payment.amount_minor), at, kind=kind)
        if kind == "chargeback" and rng.random() < 0.5:
            reverse_chargeback(session, payment.id, rng.randint(1, 100),
                               at + timedelta(days=rng.randint(0, 20)))
    except InvalidInput:
        pass  # more than the payment still holds: refused, nothing changed


def _random_dispute(session, invoice, filer, rng: random.Random) -> None:
    filed = noon(invoice.issue_date + timedelta(days=rng.randint(0, 30)))
    try:
        step = filing.file_dispute(session, invoice=invoice, user=filer, reason="wrong_rate",
                                   description="Random", amount_minor=rng.randint(1, 600) * 100,
                                   now=filed)
    except InvalidInput:
        return  # nothing open to dispute any more, or past the window
    dispute, ending = step.dispute, rng.choice(["open", "settled", "withdrawn", "reopened"])
    if ending == "open":
        return
    closed = filed + timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23))
    dispute.status, dispute.closed_at = ending, closed
    if ending in ("settled", "reopened"):
        dispute.settled_at, dispute.credit_minor = closed, rng.randint(0, dispute.amount_minor)
    if ending == "reopened":  # settled with a credit, then reopened: holds the rest
        dispute.status, dispute.closed_at = "open", None
    session.flush()
