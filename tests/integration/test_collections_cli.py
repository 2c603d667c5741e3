"""`flask collections run`: a dry run lists and changes nothing; a run says what it did
and sends the reminders; the same day again does nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing.collections.models import CollectionAction
from tests.factories import make_customer
from tests.unit.test_collections_job import open_invoice


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def test_the_run_command_dry_run_then_run_then_again(runner, session, mailbox):
    open_invoice(session, make_customer(session, "AC-9001", "Cli Co"), "USD-2026-900001")
    session.commit()
    dry = runner.invoke(args=["collections", "run", "--date", "2026-04-03", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "USD-2026-900001\treminder\t7\t2026-04-03" in dry.output
    assert "2 steps would be taken" in dry.output
    assert session.scalar(select(func.count()).select_from(CollectionAction)) == 0

    done = runner.invoke(args=["collections", "run", "--date", "2026-04-03"])
    assert done.exit_code == 0, done.output
    assert "1 reminders; 1 late fees (15.00 USD)" in done.output  # 1.5 % of 1,000.00
    assert [m["To"] for m in mailbox.messages] == ["ac-9001@customer.test"]

    again = runner.invoke(args=["collections", "run", "--date", "2026-04-03"])
    assert "were done already; nothing to do" in again.output
    rechecked = runner.invoke(args=["collections", "run", "--date", "2026-04-03", "--recheck"])
    assert "1 invoices examined" in rechecked.output
    assert "0 reminders; 0 late fees." in rechecked.output
    assert len(mailbox.messages) == 1


def test_a_bad_date_is_refused(runner):
    answer = runner.invoke(args=["collections", "run", "--date", "2026-13-40"])
    assert answer.exit_code == 2 and "Invalid value" in answer.output


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_outside_the_calendar_of_bills_is_refused_not_a_crash(runner, day):
    result = runner.invoke(args=["collections", "run", "--date", day, "--dry-run"])
    assert result.exit_code == 2 and "years 2000 to 2100" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
