"""Billing staff reconcile a Stripe report from the pages: upload, follow the run, read the
figures, payouts and fees, download the CSV and the workbook, and resolve exceptions.
A bad file is refused with its lines and saves nothing; others never see the pages."""

from __future__ import annotations

import io
import re
import time
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.payment_models import ReconciliationException, ReconciliationItem
from tests.conftest import csrf_token
from tests.reconciliation_report import EXPECTED_FIGURES, RECONCILIATION, make_books

BASE = "/staff/reconciliation/payments"


def upload(client, data: bytes, name="balance_report.csv"):
    token = csrf_token(client, BASE)
    return client.post(f"{BASE}/report", data={"csrf_token": token,
                                               "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def run_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return int(re.search(rf"{BASE}/(\d+)$", response.headers["Location"])[1])


def wait_until_finished(client, run_id: int, timeout: float = 60.0) -> dict:
    """Poll the progress JSON, as the progress view does, until the run stops."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = client.get(f"{BASE}/{run_id}/progress").get_json()
        if not progress["active"]:
            return progress
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still going after {timeout} s")


@pytest.fixture
def reconciled(login_as, session, world):
    make_books(session, world)
    session.commit()
    client = login_as("staff")
    run_id = run_id_of(upload(client, RECONCILIATION.read_bytes()))
    return client, run_id, wait_until_finished(client, run_id)


def test_an_uploaded_report_is_reconciled_and_its_results_shown(reconciled, session):
    client, run_id, progress = reconciled
    assert progress == {"state": "done", "active": False, "done": 20, "total": 20,
                        "label": "20 of 20 balance transactions"}
    run = session.get(ReconciliationRun, run_id)
    assert run.figures == EXPECTED_FIGURES and run.started_by == "specialist@staff.test"
    assert run.input_label == "balance_report.csv" and run.input_key.startswith("sha256:")
    page = client.get(f"{BASE}/{run_id}").get_data(as_text=True)
    payouts = page[page.index('id="payouts"'):page.index('id="fees"')]
    # po_RecPayoutA01: gross 442.65, fees 15.45, net 427.20, paid out 427.20
    assert re.search(r"po_RecPayoutA01.*\$442\.65.*\$15\.45.*\$427\.20.*\$427\.20.*Yes",
                     payouts, re.S)
    assert re.search(r"po_RecPayoutB01.*\$17\.54.*\$25\.00.*No", payouts, re.S)
    fees = page[page.index('id="fees"'):page.index('id="exceptions"')]
    assert re.search(r"2026-03.*USD.*\$19\.76", fees, re.S)
    assert re.search(r"2026-04.*USD.*\$0\.25", fees, re.S)
    assert page.count("/exceptions/") == 5 and "Payout that does not add up" in page
    assert "5 exceptions open." in page
    queue = client.get(f"{BASE}/exceptions?run={run_id}").get_data(as_text=True)
    assert queue.count(f"{BASE}/exceptions/") == 5
    assert client.get(f"{BASE}/exceptions?run={run_id + 1}").get_data(
        as_text=True).count(f"{BASE}/exceptions/") == 0


def test_a_payout_lists_the_transactions_it_paid_out(reconciled):
    client, run_id, _ = reconciled
    page = client.get(f"{BASE}/{run_id}/payouts/po_RecPayoutB01").get_data(as_text=True)
    listed = page[page.index('id="paid-out"'):]
    assert [bt for bt in ("txn_RecUnknown01", "txn_RecRefUnk01", "txn_RecAdjust01",
                          "txn_1RptMatched01") if bt in listed] == [
        "txn_RecUnknown01", "txn_RecRefUnk01", "txn_RecAdjust01"]
    assert "$17.54" in page and "$25.00" in page and "<dd>No</dd>" in page
    assert client.get(f"{BASE}/{run_id}/payouts/po_nope").status_code == 404


def test_the_runs_page_draws_the_amounts_per_class(reconciled):
    client, *_ = reconciled
    page = client.get(BASE).get_data(as_text=True)
    assert 'id="chart-reconciliation"' in page and "balance_report.csv" in page
    # March: received and tied 100 + 50 + 45 + 80 + 60 = 335.00
    assert "2026-03, USD, Received and tied: 335" in page


def test_the_same_file_again_opens_the_run_already_made(reconciled, session):
    client, run_id, _ = reconciled
    response = upload(client, RECONCILIATION.read_bytes(), name="again.csv")
    assert run_id_of(response) == run_id
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 1
    assert session.scalar(select(func.count()).select_from(ReconciliationItem)) == 20
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "These inputs were reconciled already" in page


@pytest.mark.parametrize("data, says", [
    (RECONCILIATION.read_text().replace("100.00,3.20,96.80", "1OO.00,3.20,96.80", 1),
     "Line 2, gross: &#39;1OO.00&#39; is not an amount"),
    (RECONCILIATION.read_text().replace("reporting_category", "category", 1),
     "lacks the column(s) reporting_category"),
    (RECONCILIATION.read_text().replace("txn_RecFeeApr02", "txn_RecFeeApr01"),
     "Line 21, balance_transaction_id: appears twice in the input (first on line 20)"),
])
def test_a_malformed_upload_is_refused_with_its_lines_and_saves_nothing(
        login_as, session, world, data, says):
    client = login_as("staff")
    response = upload(client, data.encode())
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0


def test_an_upload_without_a_csv_token_is_refused(login_as, session, world):
    client = login_as("staff")
    response = client.post(f"{BASE}/report", data={
        "file": (io.BytesIO(RECONCILIATION.read_bytes()), "r.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0


def test_the_results_download_as_csv_and_as_a_workbook(reconciled):
    client, run_id, _ = reconciled
    text = client.get(f"{BASE}/{run_id}/results.csv").get_data(as_text=True)
    lines = text.splitlines()
    assert len(lines) == 21 and lines[0].startswith("line,balance_transaction_id")
    assert lines[5] == ("6,txn_1RptUnmatch01,charge,unmatched,USD,25.00,1.03,23.97,"
                        "2026-03-04 14:00:09,po_RecPayoutA01,ch_1RptUnmatch01,"
                        "pi_1RptUnmatch01,ch_1RptUnmatch01,unmatched,open")
    response = client.get(f"{BASE}/{run_id}/results.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "Figures" and book.sheetnames[-2:] == ["Payouts", "Fees"]
    matched = book["Matched"]
    assert [cell.value for cell in matched[2]][:4] == [
        "txn_1RptMatched01", "charge", datetime(2026, 3, 2, 9, 15, 1), Decimal("100.00")]
    assert matched["D2"].number_format == '#,##0.00 "USD";-#,##0.00 "USD"'
    assert matched["C2"].number_format == "yyyy-mm-dd hh:mm"
    assert [cell.value for cell in book["Fees"][2]] == ["2026-03", 19.76]  # a number


def exception_url(session, bt_id):
    found = session.scalars(select(ReconciliationException).join(ReconciliationItem).where(
        ReconciliationItem.balance_transaction_id == bt_id)).one()
    return f"{BASE}/exceptions/{found.id}"


def test_staff_assign_an_unmatched_payment_from_its_exception(reconciled, session):
    client, run_id, _ = reconciled
    url = exception_url(session, "txn_1RptUnmatch01")
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "how": "assigned",
        "account_number": "RPT-0002", "invoices": "R-2", "reason": "Payer phoned"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "The exception is resolved." in page
    assert "specialist@staff.test" in page and "Payer phoned" in page and "Partial" in page
    session.expire_all()
    figures = session.get(ReconciliationRun, run_id).figures
    assert "unmatched" not in figures and figures["partial"]["USD"] == {
        "count": 2, "amount_minor": 7_500}
    queue = client.get(f"{BASE}/exceptions?status=resolved").get_data(as_text=True)
    assert "txn_1RptUnmatch01" in queue


@pytest.mark.parametrize("form, says", [
    ({"how": "assigned", "account_number": "NOPE", "reason": "x"},
     "No account has that number."),
    ({"how": "assigned", "account_number": "", "reason": "x"},
     "Enter the account the payment belongs to."),
    ({"how": "explained", "reason": ""}, "Say why"),
    ({"how": "written_off", "reason": "x"}, "Not a valid choice"),
])
def test_a_resolution_that_cannot_be_made_is_refused_and_changes_nothing(
        reconciled, session, form, says):
    client, run_id, _ = reconciled
    url = exception_url(session, "txn_1RptUnmatch01")
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **form})
    assert response.status_code == 400 and says in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(ReconciliationRun, run_id).figures == EXPECTED_FIGURES


@pytest.mark.parametrize("who", ["channel_user", "customer_user"])
def test_nobody_but_billing_staff_sees_the_pages(login_as, world, who):
    client = login_as(who)
    assert client.get(BASE).status_code in (403, 404)


def test_a_sync_window_needs_stripe_and_an_end_after_its_start(login_as, session, world):
    client = login_as("staff")
    token = csrf_token(client, BASE)
    backwards = client.post(f"{BASE}/sync", data={
        "csrf_token": token, "since": "2026-03-02T00:00", "until": "2026-03-01T00:00"})
    assert backwards.status_code == 400
    assert "The window must end after it starts." in backwards.get_data(as_text=True)
    unconfigured = client.post(f"{BASE}/sync", data={
        "csrf_token": token, "since": "2026-03-01T00:00", "until": "2026-03-02T00:00"})
    assert unconfigured.status_code == 400
    assert "Stripe is not configured here" in unconfigured.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0
