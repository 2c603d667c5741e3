"""`flask billing run` goes through the run's lifecycle as the run page does: it claims the
period's run, says when an issued period leaves nothing to do, refuses a run another
worker is on, and resumes one that stopped."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from billing.core.clock import provider_date, recent_periods, utcnow
from billing.invoicing.models import Invoice
from billing.invoicing.runs import draft_period
from billing.invoicing.usage_models import InvoiceRun

BILL_TO_ACCOUNTS = 7  # the world's accounts that get their own invoice


@pytest.fixture
def period():
    return recent_periods(provider_date(utcnow()), 2)[1]  # the last one that ended


def run_command(app, *args):
    return app.test_cli_runner().invoke(args=["billing", "run", *args])


def runs_as_stored(session) -> list:
    return session.execute(select(InvoiceRun.__table__).order_by(InvoiceRun.id)).all()


def invoices_per_customer(session, period) -> list[int]:
    return session.scalars(select(func.count()).select_from(Invoice)
                           .where(Invoice.period_end == period.end)
                           .group_by(Invoice.customer_id)).all()


def test_the_command_drafts_and_issues_a_period_on_its_run(app, session, world, period):
    result = run_command(app, "--period", period.key, "--issue", "--by", "ops@staff.test")
    assert result.exit_code == 0, result.output
    assert "Drafted 7, skipped 0 (already invoiced or nothing to bill), failed 0." in (
        result.output)
    assert "Issued 7 invoices." in result.output
    [run] = runs_as_stored(session)
    assert (run.state, run.started_by, run.drafted, run.issued) == (
        "issued", "ops@staff.test", BILL_TO_ACCOUNTS, BILL_TO_ACCOUNTS)


def test_re_running_an_issued_period_says_nothing_to_do_and_changes_nothing(app, session,
                                                                            world, period):
    assert run_command(app, "--period", period.key, "--issue").exit_code == 0
    before = runs_as_stored(session)
    result = run_command(app, "--period", period.key, "--issue", "--by", "someone-else")
    assert result.exit_code == 0, result.output
    assert result.output == (f"Bill period {period.start} to {period.end}.\n"
                             f"Nothing to do: the invoices of {period.key} have been issued. "
                             "Drafted 0, issued 0.\n")
    assert runs_as_stored(session) == before


def test_the_command_claims_the_run_and_refuses_one_another_worker_is_on(app, session,
                                                                         world, period):
    session.add(InvoiceRun(period_end=period.end, state="running", started_by="ana",
                           started_at=utcnow(), progress_at=utcnow(), total=7, done=2))
    session.commit()
    before = runs_as_stored(session)
    result = run_command(app, "--period", period.key)
    assert result.exit_code == 1
    assert f"The run for {period.key} is already running (started by ana)." in result.output
    assert runs_as_stored(session) == before
    assert invoices_per_customer(session, period) == []


def test_the_command_resumes_a_run_that_stopped(app, session, world, period):
    def stop_after_three(done, total):
        if done == 3:
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        draft_period(session, period, started_by="cli", now=utcnow(), chunk_size=3,
                     progress=stop_after_three)
    result = run_command(app, "--period", period.key)
    assert result.exit_code == 0, result.output
    assert "Drafted 4, skipped 0" in result.output
    assert invoices_per_customer(session, period) == [1] * BILL_TO_ACCOUNTS
    [run] = runs_as_stored(session)
    assert (run.state, run.drafted, run.failures) == ("drafted", BILL_TO_ACCOUNTS, [])


def test_the_command_refuses_a_period_that_has_not_begun(app, session, world):
    result = run_command(app, "--period", "2099-01")
    assert result.exit_code == 1
    assert "The bill period 2099-01 has not begun yet" in result.output
    assert runs_as_stored(session) == []
