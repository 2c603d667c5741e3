"""Payments recorded and refunded at the same moment, on PostgreSQL's row locks.

Each test starts two (or more) transactions at once, each in a session and thread of its
own, released together by a barrier, and checks what a user would see afterwards: one
payment for one outside transaction, never more refunded than was paid, and no change
left waiting for another (a deadlock would surface as an error, a hang as a live thread).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.invoicing.issuing import issue_invoice
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from billing.payments import ledger
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal
from billing.payments.recording import Receipt, assign_payment, record_payment
from billing.payments.refunds import refund_payment
from tests.factories import another_period_end, make_customer, make_invoice

pytestmark = pytest.mark.postgres_only

NOW = datetime(2026, 5, 4, 16, tzinfo=UTC)
PATIENCE = 60  # seconds; a thread still running after this is stuck


def receipt(customer_id, amount, external_id=None):
    return Receipt("USD", amount, NOW - timedelta(hours=1), "card", "pi-ref", "stripe",
                   customer_id, external_id=external_id)


@pytest.fixture
def account(session, world):
    """A paying account with two open invoices of 100.00, committed for other sessions."""
    customer = make_customer(session, "RACE-0001", "Racing Ltd", world.partners["channel"])
    for n in (1, 2):
        made = make_invoice(session, customer, f"RACE-{n}", amount_minor=10_000,
                            period_end=another_period_end(), status="draft")
        made.due_date, made.status = date(2026, 4, n), "issued"
    session.commit()
    return customer.id


def at_once(engine, *changes) -> list:
    """Run each change in its own session and thread, all released together; each
    commits what it did. Returns what each returned (or the domain error it raised)."""
    barrier, results = threading.Barrier(len(changes)), [None] * len(changes)

    def run(index, change):
        with Session(engine) as own:
            barrier.wait()
            try:
                results[index] = change(own)
                own.commit()
            except InvalidInput as refused:
                own.rollback()
                results[index] = refused
            except Exception as error:  # noqa: BLE001 - a deadlock, asserted below
                own.rollback()
                results[index] = error

    threads = [threading.Thread(target=run, args=(i, change))
               for i, change in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
    assert not any(thread.is_alive() for thread in threads), "a change never finished"
    return results


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("known_payer", [True, False], ids=["account", "suspense"])
def test_one_outside_transaction_seen_twice_at_once_is_one_payment(session, db, account,
                                                                   known_payer):
    customer_id = account if known_payer else None

    def record(own):
        payment, is_new = record_payment(own, receipt(customer_id, 15_000, "pi_twice"), NOW)
        return is_new

    assert sorted(at_once(db.engine, record, record)) == [False, True]
    [payment] = session.scalars(select(Payment).where(Payment.external_id == "pi_twice"))
    allocated = count(session, PaymentAllocation, PaymentAllocation.payment_id == payment.id)
    paid = session.scalar(select(func.sum(Invoice.paid_minor))
                          .where(Invoice.customer_id == account))
    if known_payer:  # 150.00 once: RACE-1 100.00, RACE-2 50.00
        assert (allocated, paid) == (2, 15_000)
    else:  # waits in suspense, nothing paid
        assert (allocated, paid, payment.payment_class) == (0, 0, "unmatched")


def test_two_refunds_of_seventy_percent_at_once_one_is_refused(session, db, account):
    payment, _ = record_payment(session, receipt(account, 10_000, "pi_once"), NOW)
    session.commit()
    payment_id = payment.id

    def refund(own):
        return refund_payment(own, payment_id, 7_000, NOW, reason="asked")[1]

    results = at_once(db.engine, refund, refund)
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert results.count(True) == 1 and len(refused) == 1, results
    assert refused[0].code == "over_refundable"
    session.expire_all()
    gone = session.scalar(select(func.sum(PaymentReversal.amount_minor))
                          .where(PaymentReversal.payment_id == payment_id))
    figures = ledger.figures_of(session, session.get(Payment, payment_id))
    # 100.00 in, 70.00 back once: 30.00 still on RACE-1, never below zero
    assert (gone, figures.held_minor, figures.allocated_minor) == (7_000, 3_000, 3_000)


def test_a_payment_and_a_refund_on_one_account_at_once_do_not_deadlock(session, db,
                                                                        account):
    payment, _ = record_payment(session, receipt(account, 20_000, "pi_full"), NOW)
    session.commit()
    payment_id = payment.id
    for round_ in range(8):
        def pay(own, round_=round_):
            return record_payment(own, receipt(account, 500, f"pi_more_{round_}"), NOW)[1]

        def refund(own, round_=round_):
            return refund_payment(own, payment_id, 700, NOW,
                                  external_id=f"re_{round_}")[1]

        assert at_once(db.engine, pay, refund) == [True, True]
    session.expire_all()
    # 200.00 + 8 x 5.00 in, 8 x 7.00 back = 184.00 still held, on the invoices or as
    # credit (which of the two depends on who went first in each round)
    paid = session.scalar(select(func.sum(Invoice.paid_minor))
                          .where(Invoice.customer_id == account))
    credit = ledger.unapplied_credit(session, account).get("USD", 0)
    assert paid + credit == 20_000 + 8 * 500 - 8 * 700
    assert count(session, PaymentReversal) == 8


def test_issuing_an_invoice_while_a_payment_lands_on_the_account_does_not_deadlock(
        session, db, account):
    # 250.00: both invoices paid, 50.00 left as credit for the invoices issued next
    record_payment(session, receipt(account, 25_000, "pi_credit"), NOW)
    customer = session.get(Customer, account)
    drafts = [make_invoice(session, customer, None, status="draft", amount_minor=1_000,
                           period_end=another_period_end()).id for _ in range(6)]
    session.commit()
    for round_, draft_id in enumerate(drafts):
        def issue(own, draft_id=draft_id):
            return issue_invoice(own, draft_id, NOW).status

        def pay(own, round_=round_):
            return record_payment(own, receipt(account, 300, f"pi_i_{round_}"), NOW)[1]

        results = at_once(db.engine, issue, pay)
        assert results[1] is True and results[0] in ("paid", "partially_paid", "issued"), \
            results
    session.expire_all()
    # 250.00 + 6 x 3.00 in; six invoices of 10.00 issued: the credit paid what it could
    paid = session.scalar(select(func.sum(Invoice.paid_minor))
                          .where(Invoice.customer_id == account))
    credit = ledger.unapplied_credit(session, account).get("USD", 0)
    assert paid + credit == 25_000 + 6 * 300


def _issue_and_commit(engine, draft_id):
    with Session(engine) as own:
        status = issue_invoice(own, draft_id, NOW).status
        own.commit()
        return status


def test_issuing_waits_for_the_account_lock_before_locking_the_invoice(session, db, account):
    # The documented order: account first, then its invoices. While another transaction
    # holds the account, the issuer waits without having locked the draft, so a third
    # transaction can still lock the draft at once (NOWAIT).
    record_payment(session, receipt(account, 25_000, "pi_order"), NOW)
    customer = session.get(Customer, account)
    draft_id = make_invoice(session, customer, None, status="draft", amount_minor=1_000,
                            period_end=another_period_end()).id
    session.commit()
    holder, issued = Session(db.engine), []
    holder.execute(select(Customer.id).where(Customer.id == account).with_for_update())
    engine = db.engine
    issuer = threading.Thread(target=lambda: issued.append(_issue_and_commit(engine, draft_id)))
    try:
        issuer.start()
        issuer.join(1.0)
        assert issuer.is_alive(), "the issuer did not wait for the account"
        with Session(db.engine) as third:
            third.execute(select(Invoice.id).where(Invoice.id == draft_id)
                          .with_for_update(nowait=True))  # raises if the issuer held it
            third.rollback()
    finally:
        holder.rollback()
        holder.close()
        issuer.join(PATIENCE)
    assert issued == ["paid"]  # the 50.00 of credit paid the 10.00 invoice


def test_a_refund_while_staff_assign_the_payment_never_leaves_phantom_credit(
        session, db, world, account):
    payment, _ = record_payment(session, receipt(None, 10_000, "pi_suspense"), NOW)
    staff_id, payment_id = world.users["staff"].id, payment.id
    session.commit()

    def assign(own):
        return assign_payment(own, payment_id, account, [], staff_id, "bank memo",
                              NOW).customer_id

    def refund(own):
        return refund_payment(own, payment_id, 6_000, NOW)[1]

    results = at_once(db.engine, assign, refund)
    # either the refund went first (assign places the 40.00 left) or the assignment did
    # (the refund, now without the account's lock, is refused and may be tried again)
    assert results[0] == account
    assert results[1] is True or getattr(results[1], "code", None) == "just_assigned", results
    session.expire_all()
    figures = ledger.figures_of(session, session.get(Payment, payment_id))
    assert figures.unapplied_minor == 0 and figures.allocated_minor == figures.held_minor
