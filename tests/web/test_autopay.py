"""Autopay against localstripe: a saved card pays each invoice's collectible amount
three business days before its due date, a declined card is retried and the account
told each time, a replayed webhook adds no second payment, and opting out stops the
next charge."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from billing.collections import autopay
from billing.collections.models import CollectionAction
from billing.collections.run import run_day
from billing.core.clock import PROVIDER_TZ
from billing.core.models import OutboundMail
from billing.invoicing.models import Invoice
from billing.payments import online
from billing.payments import stripe as adapter
from billing.payments.models import Payment
from portal import notices
from portal.collections.notices import write
from portal.payments.settings import stripe_settings
from tests.factories import make_customer
from tests.unit.test_collections_job import dispute, open_invoice
from tests.web.payment_helpers import text_of
from tests.web.test_pay_online import SECRET, event, post_event

pytest.importorskip("localstripe", reason="localstripe is not installed (test extra)")

CARD_DECLINED = "4000000000000341"  # saves, then every charge is declined
DUE = date(2026, 3, 27)  # a Friday: autopay on Tuesday 24 March


@pytest.fixture
def stripe_on(app, stripe_server):
    """The app pointed at localstripe for one test (as the online payment tests do)."""
    keys = {"STRIPE_SECRET_KEY": stripe_server.api_key, "STRIPE_API_BASE": stripe_server.url,
            "STRIPE_PUBLISHABLE_KEY": stripe_server.publishable_key,
            "STRIPE_JS_URL": stripe_server.js_url, "STRIPE_WEBHOOK_SECRET": SECRET}
    before = {key: app.config.get(key) for key in keys}
    app.config.update(keys)
    with app.app_context():
        yield stripe_settings()
    app.config.update(before)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), PROVIDER_TZ).astimezone(UTC)


def enrolled(session, settings, number, card="pm_card_visa"):
    """An account with a saved card, opted in to autopay."""
    customer = make_customer(session, number, f"Autopay {number}")
    stripe_id = online.stripe_customer_id(session, settings, customer, "USD")
    setup = adapter.create_setup_intent(settings, customer_id=stripe_id)
    saved = adapter.confirm_setup_intent(settings, setup.id, card)
    autopay.enrol(session, settings, customer, saved.payment_method_id, None, noon(DUE))
    session.commit()
    return customer


def run(session, settings, day):
    result = run_day(session, noon(day), write, settings=settings, today=day)
    notices.deliver_now()
    return result


def test_a_saved_card_pays_the_collectible_amount_once(db, client, stripe_on, mailbox):
    session = db.session
    customer = enrolled(session, stripe_on, "AC-8001")
    invoice = open_invoice(session, customer, "USD-2026-800001", amount_minor=100_000)
    dispute(session, invoice, 40_000, noon(date(2026, 3, 1)))
    session.commit()
    assert run(session, stripe_on, date(2026, 3, 23)).charged == 0  # 4 business days before
    assert run(session, stripe_on, date(2026, 3, 24)).charged == 1
    payment = session.scalars(select(Payment)).one()
    # 1,000.00 less the 400.00 under dispute: 600.00 charged.
    assert (payment.amount_minor, payment.method, payment.customer_id) == (60_000, "card",
                                                                          customer.id)
    session.expire_all()
    assert session.get(Invoice, invoice.id).paid_minor == 60_000
    assert "$600.00" in text_of(mailbox.messages[-1])
    # The webhook of that intent, delivered twice, adds nothing.
    for _ in range(2):
        answer = post_event(client, event("evt_autopay", "payment_intent.succeeded",
                                          payment.external_id))
        assert answer.status_code == 200
    assert session.scalar(select(Payment.id).where(Payment.id != payment.id)) is None
    assert run(session, stripe_on, date(2026, 3, 25)).charged == 0


def test_a_declined_card_is_retried_and_the_account_told_each_time(db, stripe_on, mailbox,
                                                                   stripe_server):
    session = db.session
    customer = enrolled(session, stripe_on, "AC-8002", stripe_server.create_card(CARD_DECLINED))
    open_invoice(session, customer, "USD-2026-800002", amount_minor=25_000)
    session.commit()
    # Tuesday 24, then 1, 3 and 5 days after it: 25, 27 and 29 March.
    failed = [(day, run(session, stripe_on, date(2026, 3, day)).charge_failed)
              for day in (24, 24, 25, 26, 27, 28, 29, 30)]
    assert failed == [(24, 1), (24, 0), (25, 1), (26, 0), (27, 1), (28, 0), (29, 1), (30, 0)]
    attempts = session.scalars(select(CollectionAction.period).where(
        CollectionAction.kind == "autopay").order_by(CollectionAction.step)).all()
    assert attempts == ["2026-03-24", "2026-03-25", "2026-03-27", "2026-03-29"]
    told = [text_of(m) for m in mailbox.messages if m["To"] == "ac-8002@customer.test"
            and "Autopay could not pay" in m["Subject"]]
    assert len(told) == 4
    assert "try again on Mar 25, 2026" in told[0] and "declined the card" in told[0]
    assert "try again on Mar 27, 2026" in told[1] and "Mar 29, 2026" in told[2]
    assert "We will not try again" in told[-1]
    assert session.scalar(select(Payment.id)) is None


def test_opting_out_stops_the_next_charge(db, stripe_on):
    session = db.session
    customer = enrolled(session, stripe_on, "AC-8003")
    open_invoice(session, customer, "USD-2026-800003", amount_minor=25_000)
    autopay.opt_out(session, customer, noon(date(2026, 3, 20)))
    session.commit()
    assert run(session, stripe_on, date(2026, 3, 24)).charged == 0
    assert session.scalar(select(Payment.id)) is None
    assert session.scalar(select(OutboundMail.id).where(
        OutboundMail.kind.like("collections_autopay%"))) is None
