"""Reconciling a Stripe report against the books: every reporting category classed, the
exceptions found, payouts added up, fees per month, and the same file twice recorded once."""

import pytest
from sqlalchemy import func, select

from billing.payments.models import Payment, PaymentAllocation, PaymentReversal
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from billing.reconciliation.payment_runs import fees, payouts
from tests.reconciliation_report import (
    EXPECTED_EXCEPTIONS,
    EXPECTED_FEES,
    EXPECTED_FIGURES,
    EXPECTED_ITEMS,
    RECONCILIATION,
    make_books,
    reconcile_bytes,
)


@pytest.fixture
def books(session, world):
    return make_books(session, world)


def items(session, run):
    return [tuple(row) for row in session.execute(
        select(ReconciliationItem.balance_transaction_id, ReconciliationItem.reporting_category,
               ReconciliationItem.item_class, ReconciliationItem.gross_minor)
        .where(ReconciliationItem.run_id == run.id).order_by(ReconciliationItem.line))]


def exceptions(session, run):
    return [tuple(row) for row in session.execute(
        select(ReconciliationException.kind, ReconciliationItem.balance_transaction_id,
               ReconciliationException.amount_minor)
        .join(ReconciliationItem).where(ReconciliationException.run_id == run.id)
        .order_by(ReconciliationItem.line))]


def test_every_category_gets_its_class(session, books):
    run, staged = reconcile_bytes(session, RECONCILIATION.read_bytes())
    assert staged.ok and staged.rows == 20
    assert items(session, run) == EXPECTED_ITEMS
    assert run.state == "done" and run.figures == EXPECTED_FIGURES
    assert (run.done, run.total) == (20, 20)


def test_what_cannot_be_tied_is_an_exception(session, books):
    run, _ = reconcile_bytes(session, RECONCILIATION.read_bytes())
    assert exceptions(session, run) == EXPECTED_EXCEPTIONS
    assert {e.status for e in session.scalars(select(ReconciliationException))} == {"open"}


def test_charges_and_reversals_are_tied_to_the_portals_records(session, books):
    run, _ = reconcile_bytes(session, RECONCILIATION.read_bytes())
    tied = {bt: (payment, reversal) for bt, payment, reversal in session.execute(
        select(ReconciliationItem.balance_transaction_id, ReconciliationItem.payment_id,
               ReconciliationItem.reversal_id))}
    assert tied["txn_1RptWebhook01"][0] is not None
    assert all(tied[bt][1] is not None for bt in
               ("txn_1RptRefund001", "txn_1RptDispute01", "txn_1RptDispRev01"))
    assert tied["txn_RecUnknown01"] == (None, None)
    assert tied["txn_RecRefUnk01"] == (None, None)


def test_each_payout_is_added_up(session, books):
    run, _ = reconcile_bytes(session, RECONCILIATION.read_bytes())
    found = [(p["payout_id"], p["count"], p["gross_minor"], p["fee_minor"], p["net_minor"],
              p["amount_minor"], p["adds_up"]) for p in payouts(session, run.id)]
    assert found == [
        # gross 100 + 50 + 45 + 100 + 25 + 80 + 60 - 15 - 80 + 80 - 2 - 0.35 = 442.65;
        # fees 3.20 + 1.75 + 1.61 + 3.20 + 1.03 + 2.62 + 2.04 + 15.00 - 15.00 = 15.45
        ("po_RecPayoutA01", 12, 44_265, 1_545, 42_720, 42_720, True),
        # gross 40 - 20 - 1 = 19.00, fee 1.46, net 17.54 against 25.00 paid out
        ("po_RecPayoutB01", 3, 1_900, 146, 1_754, 2_500, False),
    ]


def test_fees_add_up_per_currency_and_month(session, books):
    run, _ = reconcile_bytes(session, RECONCILIATION.read_bytes())
    assert fees(session, run.id) == EXPECTED_FEES


def test_the_same_file_again_finds_the_same_run_and_records_nothing(session, books):
    first, _ = reconcile_bytes(session, RECONCILIATION.read_bytes())
    session.commit()
    counted = [session.scalar(select(func.count()).select_from(model))
               for model in (ReconciliationItem, ReconciliationException)]
    again, staged = reconcile_bytes(session, RECONCILIATION.read_bytes(), by="someone else")
    assert again.id == first.id and staged is None
    assert again.figures == EXPECTED_FIGURES and again.started_by == "finance@example.test"
    assert [session.scalar(select(func.count()).select_from(model))
            for model in (ReconciliationItem, ReconciliationException)] == counted == [20, 5]


def test_reconciling_moves_no_money(session, books):
    """Reconciling reads the books and writes none: no payment or reversal is recorded."""
    def money_rows():
        return [session.scalar(select(func.count()).select_from(model))
                for model in (Payment, PaymentReversal, PaymentAllocation)]

    before = money_rows()
    reconcile_bytes(session, RECONCILIATION.read_bytes())
    assert money_rows() == before
