"""The record of a reconciliation run: one per kind and inputs, restartable after a
failure or a death, never two for the same inputs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.runs import STALLED_AFTER, fail_run, finish_run, start_run

NOW = datetime(2026, 6, 2, 9, tzinfo=UTC)


def start(session, now=NOW, key="sha256:abc"):
    return start_run(session, kind="payments", input_key=key, started_by="ana", now=now,
                     input_label="report.csv")


def runs(session):
    return session.scalar(select(func.count()).select_from(ReconciliationRun))


def test_the_same_inputs_find_the_run_already_made(session):
    first = start(session)
    finish_run(first.run, figures={"matched": {"USD": {"count": 1, "amount_minor": 500}}},
               now=NOW)
    again = start(session, now=NOW + timedelta(days=1), key="sha256:abc")
    assert first.created and not again.created and again.run.id == first.run.id
    assert again.run.figures["matched"]["USD"]["amount_minor"] == 500  # untouched
    assert start(session, key="sha256:other").created
    assert runs(session) == 2


def test_a_failed_run_starts_again_from_nothing(session):
    first = start(session)
    first.run.figures, first.run.done = {"fee": {"USD": {"count": 1, "amount_minor": 30}}}, 7
    fail_run(first.run, why="Stripe unreachable", now=NOW)
    again = start(session, now=NOW + timedelta(minutes=1))
    assert again.created and again.run.id == first.run.id
    assert (again.run.state, again.run.figures, again.run.done, again.run.failure) == \
        ("running", {}, 0, "")


def test_a_run_whose_process_died_is_taken_over_but_a_live_one_is_not(session):
    first = start(session)
    quiet = NOW + STALLED_AFTER
    assert not start(session, now=quiet).created  # still within its time: alive
    taken = start(session, now=quiet + timedelta(seconds=1))
    assert taken.created and taken.run.id == first.run.id and runs(session) == 1


def test_a_sync_window_that_has_not_ended_is_refused(session):
    # Recorded as done now, the same window asked for tomorrow would answer this run
    # without what Stripe received in the rest of it.
    from billing.core.errors import InvalidInput
    from billing.reconciliation.payment_runs import start_payment_run

    window = (NOW - timedelta(days=1), NOW + timedelta(hours=1))
    try:
        start_payment_run(session, input_key="sync:x", input_label="window",
                          started_by="ana", now=NOW, window=window)
    except InvalidInput as refused:
        assert refused.code == "future_window"
    else:
        raise AssertionError("a window ending in the future was accepted")
    assert runs(session) == 0
    ended = (NOW - timedelta(days=1), NOW)
    assert start_payment_run(session, input_key="sync:y", input_label="window",
                             started_by="ana", now=NOW, window=ended).created
