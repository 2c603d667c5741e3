"""Every table that downloads as CSV also downloads as an Excel workbook: opened here with
openpyxl, its amounts are numbers in their currency's format, its dates are dates, its
header row is frozen and in the user's language, and a partner gets the same CPNI cut
as from the CSV.

The world's invoices are 8,642.19 USD each (subtotal, no tax), issued 26 Feb 2026, due
28 Mar 2026 (net 30).
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from billing.cpni.models import CpniDisclosure
from reports.workbooks import money_format
from tests.factories import approve
from tests.web.test_compliance_pages import mt, officer, officer_user  # noqa: F401
from tests.web.test_dispute_reports_page import book  # noqa: F401

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def opened(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.data))


def rows_by_first_cell(sheet) -> dict:
    return {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def header(sheet) -> list:
    return [cell.value for cell in sheet[1]]


def test_partner_without_approval_gets_the_invoices_without_amounts(login_as, world, session):
    book_ = opened(login_as("channel_admin").get("/partner/invoices.xlsx"))
    sheet = book_["Invoices"]
    assert sheet.freeze_panes == "A2"
    rows = rows_by_first_cell(sheet)
    assert set(rows) == {world.invoices["channel"].number, world.invoices["location"].number}
    channel = rows[world.invoices["channel"].number]
    columns = header(sheet)
    assert channel[columns.index("CPNI")].value == "withheld"
    for label in ("Subtotal", "Total", "Paid", "Amount due"):
        assert channel[columns.index(label)].value is None
    text = " ".join(str(cell.value) for row in sheet.iter_rows() for cell in row)
    assert "8642" not in text and "8,642" not in text
    assert session.scalars(select(CpniDisclosure)).all() == []


def test_with_approval_amounts_are_money_and_dates_are_dates(login_as, world, session):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    sheet = opened(login_as("channel_admin").get("/partner/invoices.xlsx"))["Invoices"]
    columns = header(sheet)
    channel = rows_by_first_cell(sheet)[world.invoices["channel"].number]
    total = channel[columns.index("Total")]
    assert total.value == Decimal("8642.19") or total.value == 8642.19
    assert total.data_type == "n" and total.number_format == money_format("USD")
    assert channel[columns.index("Tax")].value == 0
    issued = channel[columns.index("Issue date")]
    assert issued.is_date and issued.value == datetime(2026, 2, 26)
    assert issued.number_format == "yyyy-mm-dd"
    assert channel[columns.index("Due date")].value == datetime(2026, 3, 28)
    assert channel[columns.index("CPNI")].value == "shown"
    logged = session.scalars(select(CpniDisclosure)).all()
    assert {d.surface for d in logged} == {"export"}


def test_the_header_speaks_the_users_language(login_as, world, session):
    world.users["customer_admin"].locale = "de"
    session.commit()
    sheet = opened(login_as("customer_admin").get("/customer/invoices.xlsx")).worksheets[0]
    columns = header(sheet)
    assert "Konto" in columns and "Gesamtbetrag" in columns


def test_text_that_looks_like_a_formula_is_defused(login_as, world, session):
    world.customers["channel"].name = "=HYPERLINK(\"http://evil.test\")"
    session.commit()
    sheet = opened(login_as("customer_admin").get("/customer/invoices.xlsx"))["Invoices"]
    names = {row[2].value for row in sheet.iter_rows(min_row=2)}
    assert "'=HYPERLINK(\"http://evil.test\")" in names


def test_the_list_page_offers_the_workbook_and_filters_are_checked(login_as):
    client = login_as("channel_admin")
    page = client.get("/partner/invoices").get_data(as_text=True)
    assert 'href="/partner/invoices.xlsx' in page
    assert client.get("/partner/invoices.xlsx?status=bogus").status_code == 400


def test_dispute_report_workbooks_hold_each_table_typed(login_as, book):  # noqa: F811
    client = login_as("staff")
    credits = opened(client.get("/staff/dispute-reports/credits.xlsx?days=30")).worksheets[0]
    assert header(credits) == ["Reason", "Currency", "Disputes credited", "Credit granted"]
    reason, currency, count, granted = next(credits.iter_rows(min_row=2))
    assert (reason.value, currency.value, count.value) == ("Wrong rate", "USD", 1)
    assert granted.value == 120 and granted.number_format == money_format("USD")
    assert credits.freeze_panes == "A2"
    open_rows = list(opened(client.get("/staff/dispute-reports/open.xlsx"))
                     .worksheets[0].iter_rows(min_row=2, values_only=True))
    # One dispute's sum would tell that customer's amount: empty, as in the CSV.
    assert open_rows == [(1, "Billing specialist", "11–30 days", "USD", 1, None)]
    overdue = opened(client.get("/staff/dispute-reports/overdue.xlsx")).worksheets[0]
    row = next(overdue.iter_rows(min_row=2))
    assert row[3].value == "AC-0400" and row[5].is_date
    assert row[0].value.startswith("D-")
    assert client.get("/staff/dispute-reports/everything.xlsx").status_code == 404
    assert login_as("channel_admin").get(
        "/staff/dispute-reports/open.xlsx").status_code in (403, 404)


def test_certification_workbook_has_a_sheet_per_table_with_numbers_and_dates(
        officer, officer_user, world, session):  # noqa: F811
    from billing.core.clock import utcnow
    from billing.cpni import complaints

    complaints.record_complaint(session, account_number="AC-0001", received_at=mt(2025, 5, 1),
                                category="other", summary="=HYPERLINK(\"http://x.test\")",
                                recorded_by=officer_user, now=utcnow())
    session.commit()
    workbook_ = opened(officer.get("/staff/compliance/certification.xlsx?year=2025"))
    assert workbook_.sheetnames[:3] == ["Summary", "Approvals granted", "Approvals revoked"]
    assert "Complaints" in workbook_.sheetnames
    summary = {row[0]: row[1] for row in workbook_["Summary"].iter_rows(min_row=2,
                                                                         values_only=True)}
    assert summary["Year"] == 2025 and summary["Complaints"] == 1
    complaint = next(workbook_["Complaints"].iter_rows(min_row=2))
    assert complaint[0].is_date and complaint[0].value == datetime(2025, 5, 1, 12, 0)
    assert complaint[6].value == "'=HYPERLINK(\"http://x.test\")"
    assert all(sheet.freeze_panes == "A2" for sheet in workbook_.worksheets)


def test_availability_workbook_has_minutes_percent_and_credits(login_as, session, world):
    """An hour's voice outage in January 2026: (44,640 - 60) / 44,640 = 99.8656 %."""
    from datetime import UTC, timedelta

    from billing.core.clock import PROVIDER_TZ
    from billing.sla.credits import record_outage

    start = datetime(2026, 1, 6, 9, tzinfo=PROVIDER_TZ).astimezone(UTC)
    record_outage(session, ref="INC-61", started_at=start, ended_at=start + timedelta(hours=1),
                  cause="provider", summary="SBC failover", platform="voice")
    session.commit()
    client = login_as("staff")
    assert 'href="/staff/availability.xlsx?month=2026-01"' in client.get(
        "/staff/availability?month=2026-01").get_data(as_text=True)
    book_ = opened(client.get("/staff/availability.xlsx?month=2026-01"))
    assert book_.sheetnames == ["Availability", "SLA credits"]
    voice = next(row for row in book_["Availability"].iter_rows(min_row=2)
                 if row[0].value == "Voice")
    assert voice[1].is_date and voice[1].value == datetime(2026, 1, 1)
    assert voice[2].value == 44640 and voice[3].value == 60
    assert abs(voice[4].value - 0.998656) < 1e-9 and voice[4].number_format == "0.00%"
    assert voice[5].value == "missed"
    assert login_as("channel_admin").get("/staff/availability.xlsx").status_code == 404


def test_commission_payables_workbook_carries_the_payable_as_money(app, session, world):
    """Channel One earns 10 % on 100.00 of recurring charges paid in March: 10.00 USD."""
    from datetime import date

    from billing.commissions.models import CommissionPlan
    from billing.payments.recording import Receipt, record_payment
    from tests.conftest import csrf_token
    from tests.factories import make_customer, make_invoice
    from tests.web.test_commission_staff import PAID, staff_client

    session.add(CommissionPlan(partner=world.partners["channel"], effective_from=date(2026, 1, 1),
                               recurring_rate=Decimal(10), usage_rate=Decimal(0),
                               one_time_rate=Decimal(0)))
    customer = make_customer(session, "STF-0001", "Staff Co", world.partners["channel"])
    make_invoice(session, customer, "STF-1", period_end=date(2026, 2, 25), amount_minor=12_500)
    record_payment(session, Receipt(currency="USD", amount_minor=12_500, received_at=PAID,
                                    method="wire", reference="W", source="staff",
                                    customer_id=customer.id), PAID)
    session.commit()
    client = staff_client(app, session, "billing_specialist")
    client.post("/staff/commissions", data={
        "csrf_token": csrf_token(client, "/staff/commissions"), "month": "2026-03"})
    assert client.get("/staff/commissions/2026-03/payables.xlsx").status_code == 404  # draft
    client.post("/staff/commissions/2026-03/approve", data={
        "csrf_token": csrf_token(client, "/staff/commissions/2026-03")})
    assert "payables.xlsx" in client.get("/staff/commissions/2026-03").get_data(as_text=True)
    sheet = opened(client.get("/staff/commissions/2026-03/payables.xlsx"))["Payables"]
    month, code, name, currency, amount = next(sheet.iter_rows(min_row=2))
    assert (month.value, code.value, name.value, currency.value) == (
        "2026-03", "CH", "Channel One", "USD")
    assert amount.value == 10 and amount.number_format == money_format("USD")
    assert sheet.freeze_panes == "A2"
