"""Following and claiming invoice runs: progress on the run's row, one live worker per period."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.core.clock import period_ending_in
from billing.core.errors import InvalidInput
from billing.invoicing.run_lifecycle import (
    STALLED_AFTER,
    RunProgress,
    claim_drafting,
    claim_issuing,
    is_stalled,
)
from billing.invoicing.runs import draft_period, draft_run, issue_period
from billing.invoicing.usage_models import InvoiceRun

MAY = period_ending_in(2026, 5)  # 26 Apr .. 25 May 2026
NOW = datetime(2026, 5, 26, 9, tzinfo=UTC)


def claim(session, now=NOW, by="ana@staff.test"):
    return claim_drafting(session, MAY, started_by=by, now=now)


def test_progress_is_written_at_the_start_then_at_most_once_a_second(session, world):
    run, _ = claim(session)
    ticks = iter(NOW + timedelta(seconds=0.4 * n) for n in range(100))
    tracker = RunProgress(session, run.id, "running", 10, clock=lambda: next(ticks))
    written = []
    for done in range(1, 8):
        tracker.step(done)
        session.refresh(run)
        written.append(run.done)
    assert written == [0, 0, 3, 3, 3, 6, 6]  # a write once a second has passed
    tracker.finish(run, "drafted")
    session.commit()
    assert (run.state, run.done, run.total) == ("drafted", 10, 10)


def test_a_finished_run_records_its_counts_and_failures(session, world):
    draft_period(session, MAY, started_by="cli", now=NOW)
    run = session.scalars(select(InvoiceRun)).one()
    assert (run.state, run.total, run.done, run.drafted, run.failures) == (
        "drafted", 7, 7, 7, [])
    issue_period(session, MAY, now=NOW)
    session.refresh(run)
    assert (run.state, run.total, run.done, run.issued) == ("issued", 7, 7, 7)
    assert run.finished_at is not None


def test_a_live_run_is_not_claimed_twice_but_a_stalled_one_is(session, world):
    first, claimed = claim(session)
    assert claimed and first.state == "running"
    again, claimed_again = claim(session, by="ben@staff.test")
    assert (again.id, claimed_again, again.started_by) == (first.id, False, "ana@staff.test")

    later = NOW + STALLED_AFTER + timedelta(seconds=1)
    assert is_stalled(again, later)
    taken, claimed_late = claim(session, now=later, by="ben@staff.test")
    assert (taken.id, claimed_late, taken.started_by) == (first.id, True, "ben@staff.test")


def test_issuing_is_claimed_once_and_only_after_drafting(session, world):
    run, _ = claim(session)
    assert not claim_issuing(session, run.id, now=NOW)  # still drafting
    draft_run(session, run.id, now=NOW)  # the claimer's worker drafts the period
    assert claim_issuing(session, run.id, now=NOW)
    assert not claim_issuing(session, run.id, now=NOW)


def test_a_period_that_has_not_begun_cannot_be_run(session, world):
    with pytest.raises(InvalidInput, match="has not begun yet"):
        claim(session, now=datetime(2026, 4, 25, 12, tzinfo=UTC))


@pytest.mark.postgres_only
def test_two_starts_of_a_new_period_at_once_make_one_worker(session, world, db):
    engine, barrier, results = db.engine, threading.Barrier(2), []

    def start(by):
        with Session(engine) as own:
            barrier.wait()
            run, claimed = claim(own, by=by)
            results.append((run.id, claimed))

    threads = [threading.Thread(target=start, args=(by,)) for by in ("ana", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed for _, claimed in results) == [False, True]
    assert len({run_id for run_id, _ in results}) == 1
