"""`flask reconcile rebiller`: the hand-built period (tests/rebiller_helpers.py) from a
file with its progress bar, the same file again recording nothing, a refused file."""

import pytest
from sqlalchemy import func, select

from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller_models import RebillerReconciliationRow
from tests.rebiller_helpers import BILLING_FILE, EXPECTED, build_period


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def test_a_file_reconciled_twice_records_one_run(runner, session, world, tmp_path):
    build_period(session, world)
    session.commit()
    path = tmp_path / "may.csv"
    path.write_text(BILLING_FILE)
    args = ["reconcile", "rebiller", "--partner", "WS", "--period", "2026-05", "--file",
            str(path), "--by", "ops"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "Reconciling" in first.output
    assert "unbilled: 1 rows, 63.00 USD at stake" in first.output  # 5 x 12.60
    again = runner.invoke(args=args)
    assert again.exit_code == 0 and "reconciled already" in again.output
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 1
    assert session.scalar(select(func.count()).select_from(
        RebillerReconciliationRow)) == len(EXPECTED)


def test_a_refused_file_lists_its_problems_and_saves_nothing(runner, session, world, tmp_path):
    build_period(session, world)
    session.commit()
    path = tmp_path / "bad.csv"
    path.write_text("account_number,code,period,quantity,unit_price,amount,tax\n"
                    "AC-0301,VOICE-SEAT,2026-05,x,21.00,210.00,0.00\n")
    result = runner.invoke(args=["reconcile", "rebiller", "--partner", "WS", "--period",
                                 "2026-05", "--file", str(path), "--by", "ops"])
    assert result.exit_code != 0
    assert "line 2: quantity: 'x' is not a number" in result.output
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0
