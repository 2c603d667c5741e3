"""An autopay charge Stripe took stays on record when a later step of the same chunk fails
(here: writing another account's reminder), so the job run again charges no card twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from billing.collections.models import CollectionAction
from billing.collections.run import run_day
from billing.payments import online
from billing.payments.models import Payment
from billing.payments.stripe import _client
from portal.collections.notices import write
from tests.factories import make_customer
from tests.unit.test_collections_job import open_invoice
from tests.web.test_autopay import DUE, enrolled, noon, stripe_on  # noqa: F401

pytest.importorskip("localstripe", reason="localstripe is not installed (test extra)")

CHARGE_DAY = date(2026, 3, 24)  # three business days before Friday 27 March


def failing_reminders(kind, customer, facts):
    if kind == "reminder":
        raise RuntimeError("the mail template broke")
    return write(kind, customer, facts)


def succeeded_intents(settings, session, customer) -> int:
    stripe_id = online.stripe_customer_id(session, settings, customer, "USD")
    listed = _client(settings).v1.payment_intents.list({"limit": 100})
    return sum(intent.customer == stripe_id and intent.status == "succeeded"
               for intent in listed.auto_paging_iter())


def test_a_charge_is_kept_when_the_rest_of_its_chunk_fails(db, stripe_on):  # noqa: F811
    session = db.session
    payer = enrolled(session, stripe_on, "AC-8101")
    open_invoice(session, payer, "USD-2026-810001", amount_minor=25_000)
    # Not on autopay: its invoice, due the same day, gets the reminder of 3 days before.
    other = make_customer(session, "AC-8102", "Reminded")
    open_invoice(session, other, "USD-2026-810002", amount_minor=10_000)
    session.commit()
    with pytest.raises(RuntimeError):
        run_day(session, noon(CHARGE_DAY), failing_reminders, settings=stripe_on,
                today=CHARGE_DAY)
    session.rollback()
    again = run_day(session, noon(CHARGE_DAY), write, settings=stripe_on, today=CHARGE_DAY)
    assert (again.charged, again.reminders) == (0, 1)  # charged by the first run, kept
    assert succeeded_intents(stripe_on, session, payer) == 1  # 250.00 taken once
    assert session.scalar(select(func.count()).select_from(Payment)) == 1
    assert session.scalar(select(func.count()).select_from(CollectionAction).where(
        CollectionAction.kind == "autopay", CollectionAction.outcome == "succeeded")) == 1
