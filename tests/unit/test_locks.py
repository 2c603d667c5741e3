"""The account lock: every change of money on an account takes it first, so two changes
on one account run one after the other (docs/architecture.md, billing.core.locks).

The concurrency tests need PostgreSQL's row locks. Each holds one change's transaction
open for a moment and checks that the other change, on the same account, only finished
after the first committed; without the account lock it would not have waited.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.catalog.models import Product, Service
from billing.core.errors import NotFound
from billing.core.locks import lock_account, lock_invoices
from billing.disputes import filing, steps
from billing.disputes.models import Dispute
from billing.invoicing.credit_notes import create_credit_note
from billing.invoicing.models import CreditNote, Invoice
from billing.parties.models import Customer
from billing.parties.users import User
from billing.sla.credits import decide_request, open_ticket, record_outage, request_credit
from tests.factories import make_tiers, recent_invoice

NOW = datetime(2026, 2, 3, 17, tzinfo=UTC)  # a Tuesday, in business hours
HOLD = 1.0  # seconds the first change keeps its transaction open


def test_invoices_are_locked_once_each_lowest_id_first(session, world):
    ids = [world.invoices[key].id for key in ("other", "channel", "direct")]
    assert lock_invoices(session, ids + ids[:1]) == sorted(ids)
    assert lock_invoices(session, []) == []
    session.rollback()


def test_locking_an_account_that_does_not_exist_is_refused(session, world):
    with pytest.raises(NotFound, match="No such account"):
        lock_account(session, 999_999)
    session.rollback()


@pytest.fixture
def account(session, world):
    """The channel customer with two invoices in the dispute window, one with an open
    dispute, and an SLA credit request of its location (which it pays for)."""
    make_tiers(session)
    channel = world.customers["channel"]
    first = recent_invoice(session, channel, issued_on=date(2026, 1, 20), number="LK-1")
    second = recent_invoice(session, channel, issued_on=date(2026, 1, 21), number="LK-2")
    filed = filing.file_dispute(session, invoice=first, user=world.users["customer_admin"],
                                  reason="wrong_rate", description="Old rate",
                                  amount_minor=5_000, now=NOW).dispute
    product = session.scalars(select(Product).filter_by(code="VOICE-SEAT")).one()
    product.sla_family = "voice"
    location = world.customers["location"]
    service = session.scalars(select(Service).filter_by(customer_id=location.id)).one()
    start = datetime(2026, 1, 6, 16, tzinfo=UTC)
    outage = record_outage(session, ref="INC-L", started_at=start,
                           ended_at=start + timedelta(minutes=150), cause="provider",
                           summary="SBC failover", platform="voice")
    open_ticket(session, customer=location, opened_at=start + timedelta(hours=1),
                summary="No dial tone", source="portal", outage=outage)
    request = request_credit(session, service=service, month=date(2026, 1, 1), user=None,
                             now=NOW)
    session.commit()
    return type("Account", (), dict(
        id=channel.id, second_invoice_id=second.id, dispute_id=filed.id,
        request_id=request.id, filer_id=world.users["customer_admin"].id,
        staff_id=world.users["staff"].id))


def _order_of_commits(engine, first_change, second_change) -> list[str]:
    """Run `first_change` and, once it has run but before it commits, `second_change`,
    each in a session of its own; the order in which they finished."""
    finished, started = [], threading.Event()
    errors = []

    def first():
        with Session(engine) as own:
            try:
                first_change(own)
            finally:
                started.set()
            time.sleep(HOLD)
            finished.append("first")
            own.commit()

    def second():
        started.wait()
        with Session(engine) as own:
            try:
                second_change(own)
                own.commit()
                finished.append("second")
            except Exception as error:  # noqa: BLE001 - asserted below
                errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return finished


def _file_on_second_invoice(account):
    def change(own):
        filing.file_dispute(own, invoice=own.get(Invoice, account.second_invoice_id),
                              user=own.get(User, account.filer_id), reason="tax",
                              description="Tax twice", amount_minor=1_000, now=NOW)
    return change


@pytest.mark.postgres_only
def test_a_settlement_waits_for_a_filing_on_the_same_account(session, account, db):
    def settle(own):
        steps.settle(own, account.dispute_id, own.get(User, account.staff_id),
                        outcome="partial", credit_minor=2_000, reason="Half.", now=NOW)

    assert _order_of_commits(db.engine, _file_on_second_invoice(account), settle) == [
        "first", "second"]
    assert session.scalar(select(func.count()).select_from(CreditNote)) == 1


@pytest.mark.postgres_only
def test_an_sla_credit_for_a_location_waits_for_a_change_on_its_paying_account(
        session, account, db):
    def approve(own):
        decide_request(own, account.request_id, approve=True, reason="",
                       user=own.get(User, account.staff_id), now=NOW)

    assert _order_of_commits(db.engine, _file_on_second_invoice(account), approve) == [
        "first", "second"]
    note = session.scalars(select(CreditNote)).one()
    assert note.customer_id == account.id and note.reason == "sla"


@pytest.mark.postgres_only
def test_a_withdrawal_waits_for_a_change_on_the_same_account(session, account, db):
    def withdraw(own):
        steps.withdraw(own, account.dispute_id, own.get(User, account.filer_id), NOW,
                       reason="Paid in full after all.")

    assert _order_of_commits(db.engine, lambda own: lock_account(own, account.id),
                             withdraw) == ["first", "second"]
    assert session.get(Dispute, account.dispute_id).status == "withdrawn"


@pytest.mark.postgres_only
def test_a_credit_note_waits_for_the_account_lock(session, account, db):
    def goodwill(own):
        create_credit_note(own, customer=own.get(Customer, account.id), amount_minor=500,
                           currency="USD", reason="goodwill", reference="Sorry", now=NOW)

    assert _order_of_commits(db.engine, lambda own: lock_account(own, account.id),
                             goodwill) == ["first", "second"]


@pytest.mark.postgres_only
def test_changes_on_two_accounts_do_not_wait_for_each_other(session, account, world, db):
    other = world.customers["other"].id

    def goodwill(own):
        create_credit_note(own, customer=own.get(Customer, other), amount_minor=500,
                           currency="USD", reason="goodwill", reference="Sorry", now=NOW)

    assert _order_of_commits(db.engine, lambda own: lock_account(own, account.id),
                             goodwill) == ["second", "first"]
