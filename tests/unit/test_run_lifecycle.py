"""The invoice run's lifecycle: claim (one live worker per period, an issued period is
nothing to do), progress on the run's row, resume after a crash or a recorded failure,
finish with counts."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from billing.core.clock import period_ending_in
from billing.core.errors import InvalidInput
from billing.invoicing import runs
from billing.invoicing.drafting import build_draft, draft_invoice
from billing.invoicing.issuing import issue_drafts
from billing.invoicing.models import Invoice
from billing.invoicing.run_lifecycle import (
    STALLED_AFTER,
    RunProgress,
    claim_drafting,
    claim_issuing,
    is_stalled,
)
from billing.invoicing.runs import (
    bill_to_accounts,
    draft_period,
    draft_run,
    issue_period,
    work_on_run,
)
from billing.invoicing.usage_models import InvoiceRun
from billing.parties.models import Customer

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


def record(session, run_id) -> dict:
    """The run's row as the database holds it."""
    return session.execute(select(InvoiceRun.__table__).where(InvoiceRun.id == run_id)
                           ).one()._asdict()


def invoices_per_customer(session) -> dict:
    return dict(session.execute(select(Invoice.customer_id, func.count())
                                .where(Invoice.period_end == MAY.end)
                                .group_by(Invoice.customer_id)).all())


def test_a_second_claimer_of_a_live_run_is_refused_and_changes_nothing(session, world):
    run, _ = claim(session)
    before = record(session, run.id)
    second = claim(session, now=NOW + timedelta(seconds=30), by="ben@staff.test")
    assert (second.claimed, second.nothing_to_do) == (False, False)
    assert not draft_period(session, MAY, started_by="cli", now=NOW).claimed  # the CLI's way
    assert record(session, run.id) == before
    assert invoices_per_customer(session) == {}


def test_an_issued_period_is_nothing_to_do_and_its_run_stays_as_it_was(session, world):
    draft_period(session, MAY, started_by="ana@staff.test", now=NOW)
    issue_period(session, MAY, now=NOW)
    run = session.scalars(select(InvoiceRun)).one()
    before = record(session, run.id)
    later = NOW + timedelta(days=3)

    again = claim(session, now=later, by="ben@staff.test")
    assert (again.run.id, again.claimed, again.nothing_to_do) == (run.id, False, True)
    assert draft_period(session, MAY, started_by="ben@staff.test", now=later).claimed is False
    assert issue_period(session, MAY, now=later) == 0
    assert not claim_issuing(session, run.id, now=later)
    assert record(session, run.id) == before
    assert before["state"] == "issued" and before["started_by"] == "ana@staff.test"
    assert session.scalar(select(func.count()).select_from(InvoiceRun)) == 1


def test_a_run_left_running_by_a_crash_resumes_and_drafts_only_the_rest(session, world):
    run, _ = claim(session)
    accounts = bill_to_accounts(session, MAY)
    first_three = [draft_invoice(session, session.get(Customer, account_id), MAY, NOW).id
                   for account_id in accounts[:3]]
    session.execute(update(InvoiceRun).where(InvoiceRun.id == run.id).values(total=7, done=3))
    session.commit()  # the process dies here: the run says "running" and nothing moves
    later = NOW + STALLED_AFTER + timedelta(seconds=1)
    assert not claim(session, now=NOW + STALLED_AFTER).claimed  # not yet taken for dead

    taken, claimed = claim(session, now=later, by="ben@staff.test")
    assert (taken.id, claimed) == (run.id, True)
    result = draft_run(session, run.id, now=later)
    assert (result.drafted, result.skipped, result.failed) == (4, 0, [])
    assert invoices_per_customer(session) == dict.fromkeys(accounts, 1)
    assert set(first_three) <= set(session.scalars(select(Invoice.id)))  # kept, not redrafted
    after = record(session, run.id)
    assert (after["state"], after["total"], after["done"], after["started_by"]) == (
        "drafted", 4, 4, "ben@staff.test")


def test_a_drafting_pass_that_fails_records_why_and_resumes_at_once(session, world):
    def fail_after_the_first_chunk(done, total):
        if done == 3:
            raise RuntimeError("the database connection was lost")

    with pytest.raises(RuntimeError):
        draft_period(session, MAY, started_by="cli", now=NOW, chunk_size=3,
                     progress=fail_after_the_first_chunk)
    run = session.scalars(select(InvoiceRun)).one()
    stopped = record(session, run.id)
    assert (stopped["state"], stopped["drafted"], stopped["failures"]) == (
        "running", 3, [["", "the database connection was lost"]])
    assert stopped["finished_at"] is not None
    session.refresh(run)
    assert is_stalled(run, NOW)  # stopped now, not after STALLED_AFTER of silence

    assert draft_period(session, MAY, started_by="cli", now=NOW).drafted == 4
    session.refresh(run)
    assert (run.state, run.drafted, run.failures) == ("drafted", 7, [])
    assert set(invoices_per_customer(session).values()) == {1}


def test_an_issuing_pass_that_fails_records_why_and_resumes_where_it_stopped(session, world,
                                                                             monkeypatch):
    draft_period(session, MAY, started_by="cli", now=NOW)
    calls = []

    def fail_on_the_second_chunk(*args):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("the numbering series is locked")
        return issue_drafts(*args)

    monkeypatch.setattr(runs, "issue_drafts", fail_on_the_second_chunk)
    with pytest.raises(RuntimeError):
        issue_period(session, MAY, now=NOW, chunk_size=3)
    run = session.scalars(select(InvoiceRun)).one()
    stopped = record(session, run.id)
    assert (stopped["state"], stopped["issued"], stopped["failures"]) == (
        "issuing", 3, [["", "the numbering series is locked"]])
    assert claim_issuing(session, run.id, now=NOW)

    monkeypatch.undo()
    assert work_on_run(session, run.id, now=NOW).issued == 4
    session.refresh(run)
    assert (run.state, run.issued, run.failures) == ("issued", 7, [])
    numbers = sorted(session.scalars(select(Invoice.number)
                                     .where(Invoice.period_end == MAY.end)))
    assert numbers == [f"INV-USD-2026-{n:06d}" for n in range(1, 8)]


def test_finishing_a_pass_records_its_state_counts_failures_and_time(session, world,
                                                                     monkeypatch):
    bad = world.customers["agency"]

    def unpriced(inputs, account, *args):
        if account.id == bad.id:
            raise ValueError("no price for VOICE-SEAT")
        return build_draft(inputs, account, *args)

    monkeypatch.setattr(runs, "build_draft", unpriced)
    run, _ = claim(session)
    assert work_on_run(session, run.id, now=NOW).drafted == 6
    drafted = record(session, run.id)
    assert (drafted["state"], drafted["total"], drafted["done"], drafted["drafted"]) == (
        "drafted", 7, 7, 6)
    assert drafted["failures"] == [[bad.account_number, "no price for VOICE-SEAT"]]
    assert drafted["finished_at"] is not None and drafted["started_by"] == "ana@staff.test"

    assert claim_issuing(session, run.id, now=NOW)
    assert record(session, run.id)["finished_at"] is None  # issuing, not finished
    assert work_on_run(session, run.id, now=NOW).issued == 6
    issued = record(session, run.id)
    assert (issued["state"], issued["total"], issued["done"], issued["issued"]) == (
        "issued", 6, 6, 6)
    assert issued["failures"] == drafted["failures"] and issued["finished_at"] is not None


def test_a_job_for_a_run_in_no_pass_does_nothing(session, world):
    draft_period(session, MAY, started_by="ana@staff.test", now=NOW)
    run = session.scalars(select(InvoiceRun)).one()
    drafted = record(session, run.id)
    assert work_on_run(session, run.id, now=NOW).claimed is False  # issuing not claimed
    assert record(session, run.id) == drafted
    issue_period(session, MAY, now=NOW)
    issued = record(session, run.id)
    assert work_on_run(session, run.id, now=NOW).claimed is False  # a retried job
    assert record(session, run.id) == issued
