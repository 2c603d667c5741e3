"""A run's drafting pass in slices, as workers draft it: each slice counted once however
often it is delivered, the last one closing the pass, a new plan retiring the old one.

The world has 7 bill-to accounts (AC-0001 to AC-0006 and AC-0100, in account order);
slices of 3 make 3 slices: 3, 3 and 1 accounts.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.clock import utcnow
from billing.invoicing import run_lifecycle
from billing.invoicing.models import Invoice
from billing.invoicing.run_slices import draft_slice, open_slices, plan_slices
from billing.invoicing.usage_models import InvoiceRun, InvoiceRunSlice
from tests.web.test_staff_runs import last_ended_period


def claimed_run(session) -> int:
    return run_lifecycle.claim_period(session, last_ended_period(), started_by="test",
                                      now=utcnow()).run.id


def invoices(session) -> int:
    return session.scalar(select(func.count()).select_from(Invoice).where(
        Invoice.period_end == last_ended_period().end))


def record(session, run_id) -> InvoiceRun:
    return session.get(InvoiceRun, run_id, populate_existing=True)


def test_slices_draft_the_run_and_the_last_one_closes_the_pass(session, world):
    run_id = claimed_run(session)
    slices = plan_slices(session, run_id, now=utcnow(), size=3)
    run = record(session, run_id)
    assert (len(slices), run.total, run.done) == (3, 7, 0)
    assert draft_slice(session, slices[1], now=utcnow())
    assert (record(session, run_id).state, record(session, run_id).done) == ("running", 3)
    assert draft_slice(session, slices[2], now=utcnow())
    assert record(session, run_id).done == 4  # 3 + 1
    assert draft_slice(session, slices[0], now=utcnow())
    run = record(session, run_id)
    assert (run.state, run.done, run.total, run.drafted, run.failures) == ("drafted", 7, 7, 7, [])
    assert invoices(session) == 7
    assert session.scalar(select(func.count()).select_from(InvoiceRunSlice)) == 0


def test_a_slice_delivered_twice_is_counted_once(session, world):
    run_id = claimed_run(session)
    first, second, last = plan_slices(session, run_id, now=utcnow(), size=3)
    assert draft_slice(session, first, now=utcnow())
    assert not draft_slice(session, first, now=utcnow())  # the redelivered task
    assert record(session, run_id).done == 3
    assert invoices(session) == 3
    assert open_slices(session, run_id) == [second, last]


def test_a_new_plan_retires_the_old_slices_and_holds_only_what_is_undrafted(session, world):
    run_id = claimed_run(session)
    old = plan_slices(session, run_id, now=utcnow(), size=3)
    assert draft_slice(session, old[0], now=utcnow())
    new = plan_slices(session, run_id, now=utcnow(), size=3)  # say, a resumed run
    assert len(new) == 2 and record(session, run_id).total == 4  # 7 - 3 already drafted
    assert not draft_slice(session, old[1], now=utcnow())  # a task of the old plan
    assert invoices(session) == 3
    for slice_id in new:
        assert draft_slice(session, slice_id, now=utcnow())
    run = record(session, run_id)
    assert (run.state, run.drafted, invoices(session)) == ("drafted", 7, 7)  # 3 + 4


def test_a_run_not_drafting_gets_no_slices_and_one_with_nothing_left_is_closed(session,
                                                                               world):
    run_id = claimed_run(session)
    for slice_id in plan_slices(session, run_id, now=utcnow(), size=10):
        draft_slice(session, slice_id, now=utcnow())
    assert plan_slices(session, run_id, now=utcnow()) == []  # drafted: a late task
    again = run_lifecycle.claim_period(session, last_ended_period(), started_by="test",
                                       now=utcnow())
    assert again.claimed and plan_slices(session, run_id, now=utcnow()) == []
    run = record(session, run_id)
    assert (run.state, run.total, run.done, invoices(session)) == ("drafted", 0, 0, 7)


@pytest.mark.postgres_only
def test_workers_drafting_slices_at_once_close_the_pass_exactly_once(session, world, db):
    """Two drafters take the 7 one-account slices at once, and also each other's (every
    slice delivered twice): each is counted once, and whichever finishes last closes."""
    run_id = claimed_run(session)
    slices = plan_slices(session, run_id, now=utcnow(), size=1)
    barrier, did, engine = threading.Barrier(2), [], db.engine

    def drafter(order):
        with Session(engine) as own:
            barrier.wait()
            did.extend(draft_slice(own, slice_id, now=utcnow()) for slice_id in order)

    threads = [threading.Thread(target=drafter, args=(order,))
               for order in (slices, list(reversed(slices)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert did.count(True) == 7 and did.count(False) == 7
    run = record(session, run_id)
    assert (run.state, run.done, run.total, run.drafted) == ("drafted", 7, 7, 7)
    assert invoices(session) == 7
