"""Importing Stripe's itemised balance-change report: every reporting category, each balance
transaction once, and a broken file refused whole with its lines named."""

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from billing.core.errors import InvalidInput
from billing.payments.models import (
    Payment,
    PaymentAllocation,
    PaymentReversal,
    StripeCustomer,
)
from billing.payments.recording import Receipt, record_payment
from billing.payments.report_import import import_rows, result_row
from billing.payments.report_models import StripeBalanceTransaction
from billing.payments.report_rows import read_report
from tests.factories import another_period_end, make_customer, make_invoice

NOW = datetime(2026, 4, 10, 18, tzinfo=UTC)
REPORT = Path(__file__).parent.parent / "data" / "stripe_balance_report.csv"

# Hand-computed from tests/data/stripe_balance_report.csv and the invoices of `accounts`.
EXPECTED = [
    # R-1 is 100.00, the charge names it and pays exactly that.
    ("txn_1RptMatched01", "charge", "matched", "RPT-0001", "R-1", "100.00", "0.00", "USD"),
    # R-2 is 200.00; 50.00 leaves 150.00 open.
    ("txn_1RptPartial01", "charge", "partial", "RPT-0002", "R-2", "50.00", "0.00", "USD"),
    # R-3 is 30.00; 45.00 - 30.00 = 15.00 unapplied credit.
    ("txn_1RptOverpd001", "charge", "overpaid", "RPT-0003", "R-3", "30.00", "15.00", "USD"),
    # R-1 is already paid and RPT-0001 owes nothing else: all 100.00 unapplied.
    ("txn_1RptDuplic001", "charge", "duplicate", "RPT-0001", "R-1", "0.00", "100.00", "USD"),
    # NOPE-999 is no account: suspense, nothing allocated.
    ("txn_1RptUnmatch01", "charge", "unmatched", "NOPE-999", "", "0.00", "25.00", "USD"),
    # No metadata; cus_RptFour is RPT-0004's Stripe customer; R-4 is 80.00, oldest due.
    ("txn_1RptByCust001", "charge", "matched", "RPT-0004", "", "80.00", "0.00", "USD"),
    # pi_1RptWebhook01 was recorded by the webhook before: nothing new.
    ("txn_1RptWebhook01", "charge", "replayed", "RPT-0005", "R-5", "0.00", "0.00", "USD"),
    # 15.00 back out of the overpayment: taken from its 15.00 unapplied credit first.
    ("txn_1RptRefund001", "refund", "refund", "RPT-0003", "R-3", "0.00", "-15.00", "USD"),
    # The 80.00 chargeback undoes the 80.00 on R-4.
    ("txn_1RptDispute01", "dispute", "chargeback", "RPT-0004", "", "-80.00", "0.00", "USD"),
    # Won: 80.00 comes back and pays R-4 again.
    ("txn_1RptDispRev01", "dispute_reversal", "chargeback_reversal", "RPT-0004", "",
     "80.00", "0.00", "USD"),
    ("txn_1RptFee00001", "fee", "fee", "", "", "0.00", "0.00", "USD"),
    ("txn_1RptNetCost1", "network_cost", "fee", "", "", "0.00", "0.00", "USD"),
    ("txn_1RptPayout001", "payout", "payout", "", "", "0.00", "0.00", "USD"),
]


def invoice(session, customer, number, amount, due=date(2026, 2, 28)):
    made = make_invoice(session, customer, number, period_end=another_period_end(),
                        amount_minor=amount, status="draft")
    made.due_date, made.status = due, "issued"
    session.flush()
    return made


@pytest.fixture
def accounts(session, world):
    """Five accounts with one invoice each; RPT-0004 pays through its Stripe customer and
    RPT-0005's payment came in by webhook before the report."""
    made = {n: make_customer(session, f"RPT-000{n}", f"Report Payer {n}",
                             world.partners["channel"]) for n in range(1, 6)}
    invoices = {n: invoice(session, made[n], f"R-{n}", amount)
                for n, amount in zip(range(1, 6), (10_000, 20_000, 3_000, 8_000, 6_000))}
    session.add(StripeCustomer(customer_id=made[4].id, currency="USD", stripe_id="cus_RptFour"))
    record_payment(session, Receipt(
        "USD", 6_000, datetime(2026, 3, 6, 7, 5, tzinfo=UTC), "card", "pi_1RptWebhook01",
        "stripe", made[5].id, ("R-5",), external_id="pi_1RptWebhook01"), NOW)
    session.flush()
    return made, invoices


def run(session, data: bytes):
    report = read_report(io.BytesIO(data), NOW)
    assert report.ok, report.errors
    return [result_row(stored) for stored in import_rows(session, report.rows, NOW)]


def counts(session):
    return [session.scalar(select(func.count()).select_from(model)) for model in
            (Payment, PaymentAllocation, PaymentReversal, StripeBalanceTransaction)]


def test_every_category_is_classed_and_applied(session, accounts):
    _, invoices = accounts
    assert run(session, REPORT.read_bytes()) == EXPECTED
    for made in invoices.values():
        session.refresh(made)
    assert [(i.paid_minor, i.status) for i in invoices.values()] == [
        (10_000, "paid"), (5_000, "partially_paid"), (3_000, "paid"), (8_000, "paid"),
        (6_000, "paid")]
    unmatched = session.scalars(select(Payment).filter_by(payment_class="unmatched")).one()
    assert unmatched.customer_id is None and "NOPE-999" in unmatched.payer_note
    assert unmatched.source == "report" and unmatched.external_id == "pi_1RptUnmatch01"
    kept = session.scalars(select(StripeBalanceTransaction)
                           .filter_by(balance_transaction_id="txn_1RptDispute01")).one()
    assert (kept.gross_minor, kept.fee_minor, kept.net_minor) == (-8_000, 1_500, -9_500)
    assert kept.automatic_payout_id == "po_1RptPayout0001" and kept.reversal_id


def test_a_second_import_changes_nothing_and_gives_the_same_results(session, accounts):
    first = run(session, REPORT.read_bytes())
    before = counts(session)
    assert before == [7, 7, 3, 13]  # 6 charges + the webhook's; 5 paid + chargeback, reversal
    assert run(session, REPORT.read_bytes()) == first
    assert counts(session) == before


def test_a_refund_of_an_unknown_payment_is_kept_with_its_reason(session, accounts):
    lines = REPORT.read_text().splitlines()
    header, refund = lines[0], next(line for line in lines if "re_1RptRefund001" in line)
    rows = run(session, f"{header}\n{refund}\n".encode())
    assert rows[0][2] == "refund" and rows[0][5:7] == ("0.00", "0.00")
    kept = session.scalars(select(StripeBalanceTransaction)).one()
    assert kept.reversal_id is None and "pi_1RptOverpd001" in kept.outcome


def broken(transform) -> bytes:
    return transform(REPORT.read_text()).encode()


@pytest.mark.parametrize("transform, line, column, says", [
    (lambda text: text.replace("100.00,3.20,96.80", "12.3.4,3.20,96.80", 1),
     2, "gross", "'12.3.4' is not an amount"),
    (lambda text: text.replace(",usd,50.00", ",xyz,50.00", 1),
     3, "currency", "'xyz' is not a supported currency"),
    (lambda text: text.replace("2026-03-04 14:00:09", "2026-13-04 14:00:09", 1),
     6, "created_utc", "is not a time"),
    (lambda text: text.replace("txn_1RptPartial01", "txn_1RptMatched01", 1),
     3, "balance_transaction_id", "first on line 2"),
    (lambda text: text.replace("45.00,1.61,43.39", "45.00,1.61,43.00", 1),
     4, "net", "is not gross less fee"),
    (lambda text: text.replace("-15.00,0.00,-15.00", "15.00,0.00,15.00", 1),
     9, "gross", "below zero for a refund"),
])
def test_a_bad_row_refuses_the_whole_file_and_names_its_line(session, accounts, transform,
                                                             line, column, says):
    report = read_report(io.BytesIO(broken(transform)), NOW)
    assert not report.ok and report.rows
    [problem] = report.errors
    assert (problem.row, problem.column) == (line, column) and says in problem.message


def test_a_missing_column_refuses_the_file(session, accounts):
    lines = [line.rsplit(",", 1)[0] for line in REPORT.read_text().splitlines()]
    assert lines[0].endswith("payment_metadata[account_number]")
    with pytest.raises(InvalidInput, match=r"Line 1: .*payment_metadata\[invoice_numbers\]"):
        read_report(io.BytesIO("\n".join(lines).encode()), NOW)
    assert session.scalar(select(func.count()).select_from(StripeBalanceTransaction)) == 0


def test_a_charge_in_the_future_or_with_an_unknown_method_is_refused(session, accounts):
    text = REPORT.read_text().replace("2026-03-02 09:15:01", "2026-05-02 09:15:01", 1)
    text = text.replace(",sepa_debit,", ",alipay,", 1)
    report = read_report(io.BytesIO(text.encode()), NOW)
    assert [(p.row, p.column) for p in report.errors] == [
        (2, "created_utc"), (4, "payment_method_type")]
