"""Statement batches in the domain, without pages or workers: a batch is found again by
its inputs, its slices are planned once, a slice delivered twice counts once, and the
slice that completes the batch writes the ZIP and its manifest.

Staff ask for the channel partner's batch of February 2026: its customer AC-0001 and that
customer's location AC-0101, one slice each.
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.invoicing.statement_batch_models import StatementBatchSlice
from reports import statement_batches
from reports.documents import DocumentSettings
from reports.statement_batch_files import zip_path

FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture
def batch(app, session, world):
    found, fresh = ask(session, world)
    assert fresh
    session.commit()
    return found


def ask(session, world):
    return statement_batches.ask_for_batch(
        session, world.users["staff"], partner=world.partners["channel"], start=FEBRUARY[0],
        end=FEBRUARY[1], locale="en_US", now=utcnow())


def plan(app, session, batch_id: int) -> list[int]:
    return statement_batches.plan_slices(session, batch_id, now=utcnow(), size=1,
                                         root=Path(app.config["STATEMENT_BATCH_DIR"]))


def render(app, session, slice_id: int) -> bool:
    return statement_batches.render_slice(
        session, slice_id, now=utcnow(), settings=DocumentSettings.from_config(app.config),
        root=Path(app.config["STATEMENT_BATCH_DIR"]))


def test_planning_twice_gives_the_same_slices(app, session, batch):
    first = plan(app, session, batch.id)
    assert len(first) == 2 and plan(app, session, batch.id) == first
    assert session.scalar(select(func.count()).select_from(StatementBatchSlice)) == 2
    assert session.get(type(batch), batch.id).total == 2


def test_a_slice_delivered_twice_counts_once_and_the_last_writes_the_zip(app, session, batch):
    first, second = plan(app, session, batch.id)
    assert render(app, session, first) is True
    assert render(app, session, first) is False  # the redelivered task does nothing
    session.refresh(batch)
    assert (batch.state, batch.done, batch.total) == ("rendering", 1, 2)
    assert plan(app, session, batch.id) == [second]  # only what is undone is sent again
    assert render(app, session, second) is True
    session.refresh(batch)
    assert (batch.state, batch.done) == ("done", 2)
    assert [e["account"] for e in batch.manifest] == ["AC-0001", "AC-0101"]
    assert not any(e["withheld"] for e in batch.manifest)  # staff: rendered for billing
    with zipfile.ZipFile(zip_path(app.config["STATEMENT_BATCH_DIR"], batch.id)) as archive:
        assert sorted(archive.namelist()) == [
            "manifest.csv", "statement-AC-0001-2026-02-01-2026-02-28.pdf",
            "statement-AC-0101-2026-02-01-2026-02-28.pdf"]


def test_asking_again_finds_the_batch_and_a_failed_one_starts_afresh(app, session, world,
                                                                     batch):
    plan(app, session, batch.id)
    assert ask(session, world) == (batch, False)
    statement_batches.record_failure(session, batch.id, "disk full")
    again, fresh = ask(session, world)
    assert (again.id, fresh, again.state, again.error) == (batch.id, True, "rendering", None)
    assert session.scalar(select(func.count()).select_from(StatementBatchSlice)) == 0


def test_a_batch_with_no_account_in_reach_is_done_at_once_with_an_empty_zip(app, session,
                                                                            world):
    from billing.parties.partners import create_partner

    empty = create_partner(session, code="NONE", name="No Customers", kind="channel")
    found, _ = statement_batches.ask_for_batch(
        session, world.users["staff"], partner=empty, start=FEBRUARY[0], end=FEBRUARY[1],
        locale="en_US", now=utcnow())
    session.commit()
    assert plan(app, session, found.id) == []
    session.refresh(found)
    assert (found.state, found.total, found.manifest) == ("done", 0, [])
    with zipfile.ZipFile(zip_path(app.config["STATEMENT_BATCH_DIR"], found.id)) as archive:
        assert archive.namelist() == ["manifest.csv"]
