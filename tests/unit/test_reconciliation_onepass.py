"""On PostgreSQL a clean report is inserted, tied and classed in one pass
(`payment_onepass`); anything less than plain goes the careful way. Both must record
the same items, exceptions and figures, and a report the pass cannot take must leave
nothing of it behind."""

import pytest
from sqlalchemy import select

from billing.reconciliation import payment_copy
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from tests.reconciliation_report import RECONCILIATION, make_books, reconcile_bytes

pytestmark = pytest.mark.postgres_only

# A currency cell with spaces around it: valid (Python strips it), but not plain.
PADDED = (",usd,100.00,3.20", ", usd ,100.00,3.20")


@pytest.fixture
def careful_calls(monkeypatch):
    calls = []
    careful = payment_copy._stage_carefully

    def counted(*args, **kwargs):
        calls.append(args[1])
        return careful(*args, **kwargs)

    monkeypatch.setattr(payment_copy, "_stage_carefully", counted)
    return calls


def recorded(session, run):
    items = {row.balance_transaction_id: tuple(
        getattr(row, column.name) for column in ReconciliationItem.__table__.c
        if column.name not in ("id", "run_id")) for row in session.scalars(
            select(ReconciliationItem).where(ReconciliationItem.run_id == run.id))}
    exceptions = sorted(session.execute(
        select(ReconciliationItem.balance_transaction_id, ReconciliationException.kind,
               ReconciliationException.currency, ReconciliationException.amount_minor,
               ReconciliationException.status)
        .join(ReconciliationItem).where(ReconciliationException.run_id == run.id)))
    return items, exceptions, run.figures


def test_the_one_pass_records_what_the_careful_way_records(session, world, careful_calls):
    make_books(session, world)
    clean = RECONCILIATION.read_bytes()
    fast, staged = reconcile_bytes(session, clean)
    assert staged.ok and careful_calls == []
    slow, staged = reconcile_bytes(session, clean.replace(*map(str.encode, PADDED), 1))
    assert staged.ok and careful_calls == [slow.id]
    fast_items, fast_exceptions, fast_figures = recorded(session, fast)
    slow_items, slow_exceptions, slow_figures = recorded(session, slow)
    assert fast_items == slow_items and len(fast_items) == 20
    assert fast_exceptions == slow_exceptions
    assert {kind for _, kind, *_ in fast_exceptions} == {
        "unmatched", "duplicate", "unknown_charge", "unknown_reversal", "payout_mismatch"}
    assert fast_figures == slow_figures and "payout_mismatch" in fast_figures


@pytest.mark.parametrize("old, new", [
    ("txn_RecFeeApr02", "txn_RecFeeApr01"),  # an id twice: the unique index refuses it
    ("100.00,3.20,96.80", "1e2,3.20,96.80"),  # a cast would take it, Stripe never writes it
    ("2026-03-04 14:00:09", "2026-03-04T14:00:09"),  # another way of writing a time
])
def test_a_report_the_pass_cannot_take_is_undone_and_read_carefully(
        session, world, careful_calls, old, new):
    make_books(session, world)
    run, staged = reconcile_bytes(session, RECONCILIATION.read_text().replace(old, new, 1)
                                  .encode())
    assert careful_calls == [run.id]
    lines = sorted(session.scalars(select(ReconciliationItem.line)
                                   .where(ReconciliationItem.run_id == run.id)))
    if staged.ok:  # what parse_row accepts after all, once and only once
        assert lines == list(range(2, 22))
    else:
        assert lines == [] and staged.errors


def test_a_row_of_empty_cells_is_skipped_by_the_one_pass_too(session, world, careful_calls):
    make_books(session, world)
    width = RECONCILIATION.read_text().splitlines()[0].count(",")
    run, staged = reconcile_bytes(session, RECONCILIATION.read_bytes() + b"," * width + b"\n")
    assert staged.ok and staged.rows == 20 and careful_calls == []
    assert run.total == 20 and sum(
        entry["count"] for by_currency in run.figures.values()
        for entry in by_currency.values()) == 20
