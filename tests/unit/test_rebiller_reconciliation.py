"""Rebiller reconciliation: one hand-built case of each class (tests/rebiller_helpers.py
has the table with the arithmetic), the portal's own retail invoices as the billed side,
idempotent runs, and a malformed billing file refused whole with row-level messages."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from billing.core.clock import period_ending_in
from billing.core.errors import InvalidInput
from billing.parties.models import Customer
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller import classify_charge, classify_tax
from billing.reconciliation.rebiller_file import (
    BillingFileRefused,
    file_digest,
    read_billing_file,
)
from billing.reconciliation.rebiller_models import RebillerReconciliationRow
from billing.reconciliation.rebiller_runs import reconcile_rebiller, start_rebiller_run
from tests.factories import make_customer
from tests.rebiller_helpers import BILLING_FILE, EXPECTED, PERIOD, RUN_AT, build_period


@pytest.fixture
def period(session, world):
    return build_period(session, world)


def run_file(session, period, text=BILLING_FILE, now=RUN_AT):
    data = text.encode()
    lines = read_billing_file(session, period.rebiller, PERIOD, data, now.date())
    started = start_rebiller_run(session, period.rebiller, PERIOD, started_by="test",
                                 now=now, file_digest=file_digest(data), file_name="f.csv")
    if started.created:
        reconcile_rebiller(session, started.run, now=now, lines=lines)
    return started


def classes_by_account(session, run):
    found = {}
    for row, number in session.execute(
            select(RebillerReconciliationRow, Customer.account_number)
            .join(Customer, RebillerReconciliationRow.end_customer_id == Customer.id)
            .where(RebillerReconciliationRow.run_id == run.id)):
        found[(number, row.kind)] = (row.row_class, row.at_stake_minor)
    return found


def test_each_class_with_its_amount_at_stake(session, period):
    run = run_file(session, period).run
    assert run.state == "done"
    assert classes_by_account(session, run) == EXPECTED
    # figures: counts and amounts per class, as the table adds them up
    assert run.figures["unbilled"] == {"USD": {"count": 1, "amount_minor": 6300}}
    assert run.figures["ok"]["USD"]["count"] == 4  # 0301 charge+tax, 0306, 0307 charges
    assert run.figures["unpaid"] == {"USD": {"count": 1, "amount_minor": 3000}}


def test_the_same_inputs_record_nothing_twice(session, period):
    first = run_file(session, period)
    again = run_file(session, period)
    assert first.created and not again.created and again.run.id == first.run.id
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 1
    assert session.scalar(select(func.count()).select_from(
        RebillerReconciliationRow)) == len(EXPECTED)


def test_a_payment_received_since_makes_a_new_run(session, period):
    first = run_file(session, period)
    from tests.rebiller_helpers import _pay

    _pay(session, period.ends["AC-0307"], period.retail, 3000)  # 20.00 + 30.00: paid
    session.flush()
    second = run_file(session, period)
    assert second.created and second.run.id != first.run.id
    assert classes_by_account(session, second.run)[("AC-0307", "invoice")] == ("ok", 0)


def test_without_a_file_the_portals_retail_invoices_are_the_billed_side(session, period):
    started = start_rebiller_run(session, period.rebiller, PERIOD, started_by="staff",
                                 now=RUN_AT)
    reconcile_rebiller(session, started.run, now=RUN_AT)
    found = classes_by_account(session, started.run)
    # Only AC-0307 has a retail invoice: 1 x 50.00 against 1 x 12.60 wholesale: ok.
    assert found[("AC-0307", "charge")] == ("ok", 0)
    assert found[("AC-0302", "charge")] == ("unbilled", 6300)  # 5 x 12.60
    assert ("AC-0303", "charge") not in found  # billed retail only in the file
    assert started.run.input_key.startswith(f"rebiller:{period.rebiller.id}:2026-05:portal:")


def test_a_rebiller_without_a_wholesale_invoice_cannot_be_reconciled(session, period):
    with pytest.raises(InvalidInput, match="no issued wholesale invoice"):
        start_rebiller_run(session, period.rebiller, period_ending_in(2026, 4),
                           started_by="t", now=RUN_AT)


def test_a_malformed_file_is_refused_with_row_level_messages(session, world, period):
    stranger = make_customer(session, "AC-0999", "Somebody Else's",
                             partner=world.partners["channel"])
    text = ("account_number,code,period,quantity,unit_price,amount,tax\n"
            "AC-0301,VOICE-SEAT,2026-05,10,21.00,twelve,0.00\n"
            "AC-0301,VOICE-SEAT,2100-01,10,21.00,210.00,0.00\n"
            f"{stranger.account_number},VOICE-SEAT,2026-05,1,21.00,21.00,0.00\n"
            "AC-NONE,VOICE-SEAT,2026-05,1,21.00,21.00,0.00\n")
    with pytest.raises(BillingFileRefused) as refused:
        read_billing_file(session, period.rebiller, PERIOD, text.encode(), RUN_AT.date())
    problems = [(e.row, e.column, e.message) for e in refused.value.errors]
    assert problems == [
        (2, "amount", "'twelve' is not a number (write it like 1250.50)"),
        (3, "period", "2100-01 is in the future"),
        # the same words for another partner's customer and for no customer at all
        (4, "account_number", "'AC-0999' is not one of your end customers"),
        (5, "account_number", "'AC-NONE' is not one of your end customers"),
    ]


def test_a_file_missing_a_column_is_refused_at_its_header(session, period):
    text = "account_number,code,period,quantity,unit_price,amount\nAC-0301,X,2026-05,1,1,1\n"
    with pytest.raises(BillingFileRefused) as refused:
        read_billing_file(session, period.rebiller, PERIOD, text.encode(), RUN_AT.date())
    [problem] = refused.value.errors
    assert problem.row == 1 and "header must be exactly" in problem.message


def test_a_period_that_has_not_begun_cannot_be_run(session, period):
    with pytest.raises(InvalidInput, match="has not begun"):
        start_rebiller_run(session, period.rebiller, PERIOD, started_by="t",
                           now=RUN_AT.replace(year=2026, month=4, day=1))


def test_classify_charge_rules():
    usd = "USD"
    assert classify_charge([usd, 3, 3780], None) == ("unbilled", 3780)
    assert classify_charge([usd, 0, -500], None) == ("ok", 0)  # a credit is no leakage
    assert classify_charge(None, [usd, 1, 2100]) == ("cancelled_but_billed", 2100)
    # 3 seats costing 37.81 in all, 2 billed: 37.81 / 3 = 12.6033 -> 12.60 at stake
    assert classify_charge([usd, 3, 3781], [usd, 2, 4200]) == ("quantity_mismatch", 1260)
    assert classify_charge([usd, 3, 3780], [usd, 3, 3779]) == ("below_cost", 1)
    assert classify_charge([usd, 3, 3780], [usd, 3, 3780]) == ("ok", 0)


def test_classify_tax_allows_one_minor_unit_per_wholesale_tax_line():
    # 63.00 x 2.36 / 37.80 = 3.9333 -> 3.93 expected
    assert classify_tax(3780, 236, 1, 6300, 392) == ("ok", 0)
    assert classify_tax(3780, 236, 1, 6300, 391) == ("tax_mismatch", 2)
    assert classify_tax(3780, 0, 0, 6300, 500) == ("ok", 0)  # nothing to compare with


def test_unpaid_only_after_the_due_date(session, period):
    before_due = RUN_AT.replace(month=6, day=20)
    assert before_due.date() < date(2026, 6, 24) < before_due.date() + timedelta(days=5)
    run = run_file(session, period, now=before_due).run
    assert classes_by_account(session, run)[("AC-0307", "invoice")] == ("ok", 0)


def test_a_run_whose_process_died_is_started_again(session, period):
    """A run left running with nothing written for 5 minutes is taken over by the next
    start of the same inputs; one still moving is not."""
    first = start_rebiller_run(session, period.rebiller, PERIOD, started_by="t", now=RUN_AT)
    soon = start_rebiller_run(session, period.rebiller, PERIOD, started_by="t",
                              now=RUN_AT + timedelta(minutes=4))
    assert not soon.created
    later = RUN_AT + timedelta(minutes=6)
    again = start_rebiller_run(session, period.rebiller, PERIOD, started_by="t", now=later)
    assert again.created and again.run.id == first.run.id and again.run.state == "running"
    reconcile_rebiller(session, again.run, now=later)
    assert again.run.state == "done"
