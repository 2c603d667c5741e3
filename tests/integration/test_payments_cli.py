"""`flask payments import-report`: the results file, a second run that changes nothing, and a
broken report refused with exit code 1 and its lines named."""

import pytest
from sqlalchemy import func, select

from billing.payments.models import Payment, PaymentAllocation, PaymentReversal
from billing.payments.report_models import StripeBalanceTransaction
from tests.stripe_report import EXPECTED, REPORT, make_report_accounts


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def counts(session):
    return [session.scalar(select(func.count()).select_from(model)) for model in
            (Payment, PaymentAllocation, PaymentReversal, StripeBalanceTransaction)]


def test_import_report_twice_writes_the_same_results_and_records_nothing_twice(
        runner, session, world, tmp_path):
    make_report_accounts(session, world)
    session.commit()
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    result = runner.invoke(args=["payments", "import-report", str(REPORT), "--output",
                                 str(first)])
    assert result.exit_code == 0, result.output + result.stderr
    assert "13 balance transactions" in result.stderr
    assert "overpaid" in result.stderr and "unapplied" in result.stderr
    lines = first.read_text().splitlines()
    assert lines[0] == ("balance_transaction_id,reporting_category,class,account_number,"
                        "invoice_numbers,allocated,unapplied,currency")
    assert lines[1:] == [",".join(row) for row in EXPECTED]
    before = counts(session)
    again = runner.invoke(args=["payments", "import-report", str(REPORT), "--output",
                                str(second)])
    assert again.exit_code == 0 and second.read_bytes() == first.read_bytes()
    assert counts(session) == before


def test_results_go_to_stdout_without_output(runner, session, world):
    make_report_accounts(session, world)
    session.commit()
    result = runner.invoke(args=["payments", "import-report", str(REPORT)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1] == ",".join(EXPECTED[0])


def test_a_broken_report_saves_nothing_and_names_its_lines(runner, session, world, tmp_path):
    make_report_accounts(session, world)
    session.commit()
    before = counts(session)
    bad = tmp_path / "bad.csv"
    bad.write_text(REPORT.read_text().replace("100.00,3.20,96.80", "12.3.4,3.20,96.80", 1)
                   .replace(",usd,50.00", ",xyz,50.00", 1))
    result = runner.invoke(args=["payments", "import-report", str(bad)])
    assert result.exit_code == 1
    assert "line 2, column gross: '12.3.4' is not an amount" in result.stderr
    assert "line 3, column currency: 'xyz' is not a supported currency" in result.stderr
    assert "Nothing was imported" in result.stderr
    assert counts(session) == before


def test_a_report_without_a_required_column_is_refused(runner, session, world, tmp_path):
    bad = tmp_path / "no_metadata.csv"
    bad.write_text("\n".join(line.rsplit(",", 2)[0]
                             for line in REPORT.read_text().splitlines()))
    result = runner.invoke(args=["payments", "import-report", str(bad)])
    assert result.exit_code == 1
    assert "payment_metadata[account_number]" in result.stderr
    assert counts(session) == [0, 0, 0, 0]
