"""The sync source of a payment reconciliation against localstripe: its balance
transactions (charges and refunds only, no fees, no payouts) listed for a window and
reconciled with the payments the portal recorded from the same intents."""

from __future__ import annotations

import pytest

pytest.importorskip("localstripe", reason="localstripe is not installed (pip install .[test])")

from billing.core.clock import utcnow  # noqa: E402
from billing.payments import stripe as adapter  # noqa: E402
from billing.payments.provider import StripeSettings  # noqa: E402
from billing.payments.recording import Receipt, record_payment  # noqa: E402
from billing.reconciliation.payment_runs import (  # noqa: E402
    reconcile,
    start_payment_run,
    sync_key,
)
from billing.reconciliation.payment_sync import sync_lines  # noqa: E402
from tests.factories import make_customer, make_invoice  # noqa: E402
from tests.reconciliation_report import fresh_second  # noqa: E402


@pytest.fixture
def settings(stripe_server):
    return StripeSettings(api_key=stripe_server.api_key, api_base=stripe_server.url)


def pay(settings, customer_id, amount):
    intent = adapter.create_payment_intent(
        settings, customer_id=customer_id, amount_minor=amount, currency="USD",
        account_number="SYNC-1", invoice_numbers=["S-1"])
    return adapter.confirm_payment_intent(settings, intent.id, "pm_card_visa")


def test_a_window_of_stripe_is_listed_and_tied(session, world, settings):
    since = fresh_second()
    stripe_customer = adapter.ensure_customer(settings, account_number="SYNC-1",
                                              currency="USD", email=None, name="Sync")
    known = pay(settings, stripe_customer, 4_000)
    unknown = pay(settings, stripe_customer, 1_500)
    adapter.create_refund(settings, payment_intent_id=known.id, amount_minor=1_000)
    until = fresh_second()  # a window that has ended: a later one is refused
    account = make_customer(session, "SYNC-1", "Sync Payer", world.partners["channel"])
    make_invoice(session, account, "S-1", amount_minor=4_000)
    record_payment(session, Receipt("USD", 4_000, utcnow(), "card", known.id, "stripe",
                                    account.id, ("S-1",), external_id=known.id), utcnow())

    rows = sync_lines(settings, since, until)
    # Two charges and a refund (made within one second: their order is the ids');
    # localstripe charges no fee.
    assert sorted((values["reporting_category"], values["gross"], values["fee"],
                   values["payment_intent_id"]) for _, values in rows) == [
        ("charge", "15.00", "0.00", unknown.id), ("charge", "40.00", "0.00", known.id),
        ("refund", "-10.00", "0.00", known.id)]
    started = start_payment_run(session, input_key=sync_key(since, until), input_label="sync",
                                started_by="t", now=utcnow(), total=len(rows),
                                window=(since, until))
    staged = reconcile(session, started.run, rows, utcnow())
    assert staged.ok, staged.errors
    # The known charge closed S-1; the other was never recorded; the refund was not
    # recorded in the portal either (no webhook sends refunds): both are exceptions.
    assert started.run.figures == {
        "matched": {"USD": {"count": 1, "amount_minor": 4_000}},
        "unknown_charge": {"USD": {"count": 1, "amount_minor": 1_500}},
        "unknown_reversal": {"USD": {"count": 1, "amount_minor": -1_000}},
    }
    assert started.run.window_start == since and started.run.input_key.startswith("sync:")
