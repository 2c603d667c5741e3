"""`flask commissions run / approve / payables`: a run with its progress bar, a second run
that adds nothing, approval and the payables CSV."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from billing.commissions.models import CommissionLine, CommissionPlan
from billing.payments.recording import Receipt, record_payment
from tests.factories import make_customer, make_invoice

PAID = datetime(2026, 3, 10, 18, tzinfo=UTC)


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def test_run_twice_then_approve_and_export_payables(runner, session, world):
    session.add(CommissionPlan(partner=world.partners["channel"], effective_from=date(2026, 1, 1),
                               recurring_rate=Decimal(10), usage_rate=Decimal(10),
                               one_time_rate=Decimal(0)))
    customer = make_customer(session, "CLI-0001", "Cli Co", world.partners["channel"])
    make_invoice(session, customer, "CLI-1", period_end=date(2026, 2, 25), amount_minor=12_345)
    record_payment(session, Receipt(currency="USD", amount_minor=12_345, received_at=PAID,
                                    method="wire", reference="W", source="staff",
                                    customer_id=customer.id), PAID)
    session.commit()
    first = runner.invoke(args=["commissions", "run", "--period", "2026-03"])
    assert first.exit_code == 0, first.output
    assert "Earning commission" in first.output and "2 lines added" in first.output
    again = runner.invoke(args=["commissions", "run", "--period", "2026-03"])
    assert "0 money events considered, 0 lines added" in again.output
    assert session.scalar(select(func.count()).select_from(CommissionLine)) == 2
    assert runner.invoke(args=["commissions", "approve", "--period", "2026-03", "--by",
                               "boss"]).exit_code == 0
    csv = runner.invoke(args=["commissions", "payables", "--period", "2026-03"]).output
    # recurring 9_845 x 10 % = 984.5 -> 985; usage 2_500 x 10 % = 250; 1_235 = 12.35
    assert csv.splitlines() == ["month,partner_code,partner_name,currency,amount",
                                "2026-03,CH,Channel One,USD,12.35"]


def test_a_bad_month_is_refused(runner, db):
    result = runner.invoke(args=["commissions", "run", "--period", "2026-13"])
    assert result.exit_code != 0 and "not a month" in result.output
