"""A billing file whose rows add up past what the run's columns hold is refused at upload
(a 400 with the row named, nothing saved), and a run that fails anyway tells the rebiller
no database text, which could quote the rows written for every end customer."""

import pytest
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller_file import RetailLine
from billing.reconciliation.rebiller_models import RebillerReconciliationRow
from billing.reconciliation.rebiller_runs import start_rebiller_run
from portal.reconciliation.rebiller_jobs import do_rebiller_run
from tests.rebiller_helpers import BILLING_FILE, PERIOD, build_period
from tests.web.test_rebiller_reconciliation_pages import upload

HUGE = "999999999999"  # the largest a quantity or amount of one row may be (under 10^12)


@pytest.fixture
def period(session, world):
    found = build_period(session, world)
    session.commit()
    return found


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("column_values, column", [
    ((HUGE, "0.00", "0.00"), "quantity"),  # 2 x 999,999,999,999 seats: over NUMERIC(18, 6)
    (("1", HUGE, "0.00"), "amount"),  # 2 x 999,999,999,999.00 USD: over 10^12
    (("1", "0.00", HUGE), "tax"),
])
def test_rows_adding_up_past_the_columns_are_refused(login_as, session, period,
                                                     column_values, column):
    client = login_as("wholesale_admin")
    quantity, amount, tax = column_values
    row = f"AC-0301,VOICE-SEAT,2026-05,{quantity},0,{amount},{tax}\n"
    response = upload(client, BILLING_FILE + row + row)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "add up to more than the portal can hold" in body
    # Line 9: the second huge row (header = 1, six rows of BILLING_FILE, then the first).
    assert f"<tr><td>9</td><td>{column}</td>" in body
    assert count(session, ReconciliationRun) == 0
    assert count(session, RebillerReconciliationRow) == 0


def test_a_failed_run_tells_the_rebiller_no_database_text(login_as, app, session, period):
    started = start_rebiller_run(session, period.rebiller, PERIOD, started_by="test",
                                 now=utcnow(), file_digest="x" * 64, file_name="b.csv")
    session.commit()
    run_id = started.run.id
    # Past a BIGINT (what the file check now refuses), so writing the rows fails.
    lines = [RetailLine(period.ends["AC-0301"].id, "USD", "VOICE-SEAT", 1, 10 ** 19, 0)]
    with pytest.raises(Exception):  # noqa: B017 - whichever error the database raises
        do_rebiller_run(run_id, utcnow(), lines)
    session.expire_all()
    run = session.get(ReconciliationRun, run_id)
    assert run.state == "failed"
    assert run.failure == "an internal error (the operators have the details in the log)"
    client = login_as("wholesale_admin")
    page = client.get(f"/partner/reconciliation/{run_id}").get_data(as_text=True)
    assert "10000000000000000000" not in page and "an internal error" in page


def test_a_nul_character_refuses_the_file_at_upload(login_as, session, period):
    client = login_as("wholesale_admin")
    response = upload(client, BILLING_FILE + "AC-0301,VOICE\x00SEAT,2026-05,1,1,1.00,0\n")
    assert response.status_code == 400
    assert "Line 8: a cell holds a NUL character" in response.get_data(as_text=True)
    assert count(session, ReconciliationRun) == 0
