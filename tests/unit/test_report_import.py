"""Importing Stripe's itemised balance-change report: every reporting category, each balance
transaction once, and a broken file refused whole with its lines named."""

import io
import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.payments.models import Payment, PaymentAllocation, PaymentReversal
from billing.payments.report_import import import_rows, result_row
from billing.payments.report_models import StripeBalanceTransaction
from billing.payments.report_rows import read_report
from tests.factories import make_customer, make_invoice
from tests.stripe_report import EXPECTED, NOW, REPORT, make_report_accounts


@pytest.fixture
def accounts(session, world):
    return make_report_accounts(session, world)


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


def test_a_converted_charge_pays_in_the_currency_the_customer_paid(session, world):
    customer = make_customer(session, "RPT-EUR1", "Euro Payer", world.partners["channel"],
                             currency="EUR", country="DE")
    owed = make_invoice(session, customer, "R-EUR-1", period_end=date(2026, 2, 25),
                        amount_minor=10_000)
    header = REPORT.read_text().splitlines()[0]
    values = dict.fromkeys(header.split(","), "")
    values.update({
        "balance_transaction_id": "txn_Eur1", "created_utc": "2026-03-02 09:00:00",
        "currency": "usd", "gross": "108.40", "fee": "3.44", "net": "104.96",
        "reporting_category": "charge", "charge_id": "ch_Eur1", "payment_intent_id": "pi_Eur1",
        "customer_facing_amount": "100.00", "customer_facing_currency": "eur",
        "payment_method_type": "sepa_debit", "payment_metadata[account_number]": "RPT-EUR1",
        "payment_metadata[invoice_numbers]": "R-EUR-1"})
    rows = run(session, f"{header}\n{','.join(values.values())}\n".encode())
    assert rows == [("txn_Eur1", "charge", "matched", "RPT-EUR1", "R-EUR-1", "100.00", "0.00",
                     "EUR")]
    session.refresh(owed)
    assert owed.status == "paid"
    kept = session.scalars(select(StripeBalanceTransaction)).one()
    assert (kept.currency, kept.gross_minor, kept.net_minor) == ("USD", 10_840, 10_496)


@pytest.mark.postgres_only
def test_two_imports_of_one_report_at_once_record_it_once(session, world, db):
    make_report_accounts(session, world)
    session.commit()
    engine, barrier, outcomes = db.engine, threading.Barrier(2), []

    def run_alone():
        with Session(engine) as own:
            report = read_report(io.BytesIO(REPORT.read_bytes()), NOW)
            barrier.wait()
            outcomes.append([result_row(kept) for kept in import_rows(own, report.rows, NOW)])
            own.commit()

    threads = [threading.Thread(target=run_alone) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [EXPECTED, EXPECTED]
    assert counts(session) == [7, 7, 3, 13]
