"""An autopay charge Stripe took stays on record when a later step of the same chunk fails
(here: writing another account's reminder), so the job run again charges no card twice;
and the reminders sent after the chunk's charges name what each invoice collects then,
never an amount a dispute filed meanwhile holds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from billing.collections.models import CollectionAction
from billing.collections.run import run_day
from billing.core.models import OutboundMail
from billing.payments import online
from billing.payments.models import Payment
from billing.payments.stripe import _client
from portal.collections.notices import write
from tests.factories import make_customer
from tests.unit.test_collections_job import dispute, open_invoice
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


def test_a_dispute_filed_while_the_chunk_charges_is_not_named_in_its_reminder(
        db, stripe_on):  # noqa: F811
    session = db.session
    payer = enrolled(session, stripe_on, "AC-8103")
    open_invoice(session, payer, "USD-2026-810003", amount_minor=25_000)
    other = make_customer(session, "AC-8104", "Disputing")
    disputed = open_invoice(session, other, "USD-2026-810004", amount_minor=10_000)
    session.commit()

    def dispute_meanwhile(kind, customer, facts):
        # While the chunk charges the payer's card, AC-8104 disputes 60.00 of its 100.00.
        if kind == "autopay_succeeded":
            dispute(session, disputed, 6_000, noon(CHARGE_DAY) - timedelta(hours=1))
        return write(kind, customer, facts)

    result = run_day(session, noon(CHARGE_DAY), dispute_meanwhile, settings=stripe_on,
                     today=CHARGE_DAY)
    assert (result.charged, result.reminders) == (1, 1)
    body = session.scalars(select(OutboundMail.body).where(
        OutboundMail.kind == "collections_reminder")).one()
    assert "$40.00" in body and "$100.00" not in body  # 100.00 less the 60.00 held
