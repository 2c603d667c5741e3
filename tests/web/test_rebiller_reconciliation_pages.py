"""The rebiller's Reconciliation pages, downloads and API answers, and staff's: the
hand-built period of tests/rebiller_helpers.py, where AC-0305 has not approved the
rebiller. Its row (a quantity mismatch on PELICAN-TRUNK-9921: 8 seats, 100.80
wholesale, 25.20 at stake) must reach the rebiller on no surface, nor by a total."""

import io
import time
import zipfile

import pytest
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.parties import identity
from billing.reconciliation.models import ReconciliationRun
from billing.reconciliation.rebiller_models import RebillerReconciliationRow
from tests.conftest import csrf_token
from tests.rebiller_helpers import BILLING_FILE, build_period

# AC-0305's values in every way a body could carry them (workbooks hold 100.8 and 25.2).
LEAK_MARKERS = ("AC-0305", "PELICAN-TRUNK-9921", "100.80", "10080", "100.8", "25.20",
                "2520", "25.2")


@pytest.fixture
def period(session, world):
    found = build_period(session, world)
    session.commit()
    return found


def upload(client, text=BILLING_FILE, period="2026-05", name="billing.csv"):
    token = csrf_token(client, "/partner/reconciliation")
    return client.post("/partner/reconciliation", data={
        "csrf_token": token, "period": period,
        "file": (io.BytesIO(text.encode()), name)}, content_type="multipart/form-data")


def wait_until_done(client, url):
    """Poll the progress answer the page's script polls, until the run has stopped."""
    for _ in range(200):
        answer = client.get(url + "/progress").get_json()
        if not answer["active"]:
            return answer
        time.sleep(0.05)
    raise AssertionError("the run never finished")


def reconciled(client):
    response = upload(client)
    assert response.status_code == 302
    url = response.headers["Location"]
    assert wait_until_done(client, url)["state"] == "done"
    return url


def api_get(session, world, client, user, url):
    _, secret = identity.create_api_token(session, user=world.users[user], name="erp",
                                          now=utcnow())
    session.commit()
    return client.get(url, headers={"Authorization": f"Bearer {secret}"})


def assert_no_leak(body: str, surface: str):
    for marker in LEAK_MARKERS:
        assert marker not in body, (surface, marker)


def workbook_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return "".join(book.read(name).decode() for name in book.namelist()
                       if name.endswith(".xml"))


def test_the_rebiller_sees_approved_rows_and_only_counts_for_the_rest(
        login_as, session, world, period):
    client = login_as("wholesale_admin")
    url = reconciled(client)
    page = client.get(url).get_data(as_text=True)
    assert "AC-0302" in page and "63.00" in page  # unbilled: 5 x 12.60, approved
    assert "USD-2026-W00001" in page  # its own wholesale bill
    # one quantity mismatch row, counted and withheld, with nothing at stake shown
    assert 'Quantity mismatch</a></td>\n    <td class="num">1</td>\n    <td class="num">1</td>' \
        in page
    assert_no_leak(page, "page")
    csv_body = client.get(url + "/rows.csv").get_data(as_text=True)
    assert "AC-0306" in csv_body and "3.93" in csv_body  # tax mismatch, approved
    assert_no_leak(csv_body, "csv")
    book = client.get(url + "/workbook.xlsx")
    assert book.mimetype.endswith("spreadsheetml.sheet")
    assert_no_leak(workbook_text(book.data), "workbook")
    run_id = int(url.rsplit("/", 1)[1])
    answer = api_get(session, world, client, "wholesale_admin",
                     f"/api/v1/reconciliations/{run_id}")
    assert answer.status_code == 200
    assert {r["end_customer"]["account_number"] for r in answer.get_json()["data"]["rows"]} == {
        "AC-0301", "AC-0302", "AC-0303", "AC-0304", "AC-0306", "AC-0307"}
    assert_no_leak(answer.get_data(as_text=True), "api")


def test_the_workbook_has_a_sheet_per_class_with_numbers_and_dates(login_as, period):
    from openpyxl import load_workbook

    client = login_as("wholesale_admin")
    url = reconciled(client)
    book = load_workbook(io.BytesIO(client.get(url + "/workbook.xlsx").data))
    assert book.sheetnames == ["Summary", "Unbilled", "Cancelled but billed", "Below cost",
                               "Quantity mismatch", "Tax mismatch", "Unpaid", "OK"]
    unpaid = book["Unpaid"]
    row = [cell for cell in unpaid[2]]
    assert row[0].value == "AC-0307" and row[13].value == 30  # 50.00 - 20.00 at stake
    assert "USD" in row[13].number_format
    assert row[14].is_date


def test_staff_see_every_row_and_start_a_run_from_the_portals_invoices(
        login_as, session, world, period):
    client = login_as("staff")
    token = csrf_token(client, "/staff/rebiller-reconciliation")
    response = client.post("/staff/rebiller-reconciliation", data={
        "csrf_token": token, "partner_code": "WS", "period": "2026-05"})
    assert response.status_code == 302
    url = response.headers["Location"]
    wait_until_done(client, url)
    page = client.get(url + "?class=quantity_mismatch").get_data(as_text=True)
    # from the portal's invoices, AC-0305's 8 trunks are unbilled, not mismatched
    unbilled = client.get(url + "?class=unbilled").get_data(as_text=True)
    assert "AC-0305" in unbilled and "100.80" in unbilled
    assert "No rows to show" in page


def test_the_same_file_twice_records_one_run(login_as, session, period):
    client = login_as("wholesale_admin")
    first = reconciled(client)
    again = upload(client)
    assert again.headers["Location"] == first
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 1


def test_a_malformed_file_is_refused_with_row_level_messages_and_saves_nothing(
        login_as, session, world, period):
    client = login_as("wholesale_admin")
    bad = ("account_number,code,period,quantity,unit_price,amount,tax\n"
           "AC-0301,VOICE-SEAT,2026-05,10,21.00,ten,0.00\n"
           "AC-0301,VOICE-SEAT,2100-01,1,1,1,0\n"
           "AC-0001,VOICE-SEAT,2026-05,1,1,1,0\n")
    response = upload(client, bad)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "&#39;ten&#39; is not a number" in body
    assert "2100-01 is in the future" in body
    assert "&#39;AC-0001&#39; is not one of your end customers" in body
    missing = upload(client, "account_number,code,period,quantity,unit_price,amount\n"
                             "AC-0301,X,2026-05,1,1,1\n")
    assert missing.status_code == 400 and "The header must be exactly" in missing.get_data(
        as_text=True)
    assert upload(client, BILLING_FILE, name="billing.txt").status_code == 400
    assert session.scalar(select(func.count()).select_from(ReconciliationRun)) == 0
    assert session.scalar(select(func.count()).select_from(RebillerReconciliationRow)) == 0


@pytest.mark.parametrize("user", ["channel_admin", "customer_admin"])
def test_no_one_else_reaches_a_rebillers_run(login_as, session, world, period, client, user):
    rebiller = login_as("wholesale_admin")
    url = reconciled(rebiller)
    rebiller.get("/auth/logout")
    other = login_as(user)
    assert other.get(url).status_code == 404
    assert other.get("/partner/reconciliation").status_code == 404


def test_the_api_lists_only_a_rebillers_own_runs(login_as, session, world, period, client):
    url = reconciled(login_as("wholesale_admin"))
    run_id = int(url.rsplit("/", 1)[1])
    own = api_get(session, world, client, "wholesale_admin", "/api/v1/reconciliations")
    assert [r["id"] for r in own.get_json()["data"]] == [run_id]
    assert own.get_json()["data"][0]["classes"][3]["withheld_count"] == 1  # the mismatch
    other = api_get(session, world, client, "channel_admin", "/api/v1/reconciliations")
    assert other.get_json()["data"] == []
    assert api_get(session, world, client, "channel_admin",
                   f"/api/v1/reconciliations/{run_id}").status_code == 404
    staff = api_get(session, world, client, "staff", f"/api/v1/reconciliations/{run_id}")
    assert "PELICAN-TRUNK-9921" in staff.get_data(as_text=True)


def test_payment_runs_are_staffs_only_and_rendered_generically(session, world, client):
    from datetime import UTC, datetime

    from billing.reconciliation.runs import finish_run, start_run

    now = datetime(2026, 6, 1, tzinfo=UTC)
    run = start_run(session, kind="payments", input_key="payments:sha256:abc", now=now,
                    started_by="finance@staff.test", input_label="report.csv").run
    finish_run(run, figures={"matched": {"USD": {"count": 3, "amount_minor": 4500}}}, now=now)
    session.commit()
    staff = api_get(session, world, client, "staff", "/api/v1/reconciliations?kind=payments")
    [found] = staff.get_json()["data"]
    assert (found["kind"], found["input_label"], found["state"]) == ("payments", "report.csv",
                                                                      "done")
    assert found["figures"] == [{"class": "matched", "currency": "USD", "count": 3,
                                 "at_stake": {"minor": 4500, "currency": "USD",
                                              "amount": "45.00"}}]
    rebiller = api_get(session, world, client, "wholesale_admin",
                       f"/api/v1/reconciliations/{run.id}")
    assert rebiller.status_code == 404


def test_the_chart_adds_up_only_approved_rows(login_as, period):
    client = login_as("wholesale_admin")
    page = client.get(reconciled(client)).get_data(as_text=True)
    chart = page[page.index('<svg'):page.index('</svg>')]
    # approved: unbilled 63.00 + cancelled 42.00 + below cost 10.40 + tax 3.93 + unpaid
    # 30.00 = 149.33; AC-0305's 25.20 is not in it
    assert "May 26: $149.33" in chart
    assert "Quantity mismatch: $" not in chart


def test_bad_parameters_are_refused(login_as, period):
    client = login_as("wholesale_admin")
    url = reconciled(client)
    assert client.get(url + "?class=everything").status_code == 400
    assert client.get(url + "?page=none").status_code == 400
    assert client.get("/partner/reconciliation/x1").status_code == 404
    assert client.get("/partner/reconciliation/99999999999999999999").status_code == 404
    assert upload(client, period="2026-5").status_code == 400
    future = upload(client, period="2100-01")
    assert future.status_code == 400 and "has not begun" in future.get_data(as_text=True)


def test_each_shown_row_is_a_logged_disclosure_and_no_other(login_as, session, period):
    from billing.cpni.models import CpniDisclosure

    client = login_as("wholesale_admin")
    client.get(reconciled(client) + "/rows.csv")
    logged = {(d.customer_id, d.surface) for d in session.scalars(select(CpniDisclosure))}
    ends = period.ends
    assert (ends["AC-0302"].id, "export") in logged
    assert ends["AC-0305"].id not in {customer for customer, _ in logged}
