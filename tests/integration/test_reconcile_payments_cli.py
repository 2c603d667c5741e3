"""`flask reconcile payments`: a report reconciled with its figures printed, the same file
again finding the same run, and a broken file refused with exit code 1 and nothing kept."""

import re

import pytest
from sqlalchemy import func, select

from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from tests.reconciliation_report import EXPECTED_FIGURES, RECONCILIATION, make_books


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def counts(session):
    return [session.scalar(select(func.count()).select_from(model)) for model in
            (ReconciliationRun, ReconciliationItem, ReconciliationException)]


def test_a_report_is_reconciled_once_however_often_it_is_run(runner, session, world):
    make_books(session, world)
    session.commit()
    result = runner.invoke(args=["reconcile", "payments", "--file", str(RECONCILIATION),
                                 "--by", "finance@example.test"])
    assert result.exit_code == 0, result.output + result.stderr
    assert "20 balance transactions reconciled" in result.stdout
    assert re.search(r"payout_mismatch +1 +-25\.00 USD", result.stdout)
    assert "Open exceptions: 5" in result.stdout
    session.expire_all()
    run = session.scalars(select(ReconciliationRun)).one()
    assert run.figures == EXPECTED_FIGURES and run.started_by == "finance@example.test"
    again = runner.invoke(args=["reconcile", "payments", "--file", str(RECONCILIATION)])
    assert again.exit_code == 0 and f"Already reconciled: run {run.id}" in again.stdout
    assert "Open exceptions: 5" in again.stdout
    assert counts(session) == [1, 20, 5]


def test_a_broken_report_is_refused_with_its_lines(runner, session, world, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text(RECONCILIATION.read_text().replace("45.00,1.61,43.39", "45.00,x,43.39"))
    result = runner.invoke(args=["reconcile", "payments", "--file", str(broken)])
    assert result.exit_code == 1
    assert "line 4, column fee: 'x' is not an amount" in result.stderr
    assert "Nothing was kept: 1 problem(s)." in result.stderr
    assert counts(session) == [0, 0, 0]


@pytest.mark.parametrize("args", [[], ["--since", "2026-03-01T00:00:00Z"],
                                  ["--file", str(RECONCILIATION), "--since",
                                   "2026-03-01T00:00:00Z", "--until", "2026-04-01T00:00:00Z"]])
def test_a_file_or_a_whole_window_is_required(runner, db, args):
    result = runner.invoke(args=["reconcile", "payments", *args])
    assert result.exit_code == 2 and "Give either --file" in result.output


def test_a_window_needs_stripe_and_an_end_after_its_start(runner, db):
    later = ["--since", "2026-03-02T00:00:00Z", "--until", "2026-03-01T00:00:00Z"]
    result = runner.invoke(args=["reconcile", "payments", *later])
    assert result.exit_code == 2 and "--until must come after --since" in result.output
    window = ["--since", "2026-03-01T00:00:00Z", "--until", "2026-03-02T00:00:00Z"]
    result = runner.invoke(args=["reconcile", "payments", *window])
    assert result.exit_code == 1 and "Stripe is not configured" in result.output
    assert counts(db.session) == [0, 0, 0]


def test_a_sync_window_is_reconciled_from_stripe(runner, app, session, world, stripe_server):
    """localstripe has no fees and no payouts: one charge nobody recorded, an exception."""

    from billing.payments import stripe as adapter
    from billing.payments.provider import StripeSettings
    from tests.reconciliation_report import fresh_second

    settings = StripeSettings(api_key=stripe_server.api_key, api_base=stripe_server.url)
    since = fresh_second()
    customer = adapter.ensure_customer(settings, account_number="SYNC-9", currency="USD",
                                       email=None, name="Sync")
    intent = adapter.create_payment_intent(settings, customer_id=customer, amount_minor=2_500,
                                           currency="USD", account_number="SYNC-9",
                                           invoice_numbers=[])
    adapter.confirm_payment_intent(settings, intent.id, "pm_card_visa")
    until = fresh_second()  # a window that has ended: a later one is refused
    app.config.update(STRIPE_SECRET_KEY=stripe_server.api_key, STRIPE_API_BASE=stripe_server.url)
    try:
        window = ["--since", since.isoformat(), "--until", until.isoformat()]
        result = runner.invoke(args=["reconcile", "payments", *window])
        again = runner.invoke(args=["reconcile", "payments", *window])
    finally:
        app.config.update(STRIPE_SECRET_KEY=None, STRIPE_API_BASE=None)
    assert result.exit_code == 0, result.output + result.stderr
    assert re.search(r"unknown_charge +1 +25\.00 USD", result.stdout)
    assert "Open exceptions: 1" in result.stdout and "Already reconciled" in again.stdout
    session.expire_all()
    run = session.scalars(select(ReconciliationRun)).one()
    assert run.input_key.startswith("sync:") and run.window_start is not None
