"""Payment reconciliation in Chromium: staff upload a Stripe report, watch the run finish,
open an exception from the run page and resolve it; the queue then shows it resolved."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_journeys import log_in_as_staff, nav_link
from tests.reconciliation_report import RECONCILIATION, make_books


def test_staff_upload_a_report_open_an_exception_and_resolve_it(world, session, new_page):
    make_books(session, world)
    session.commit()
    staff = new_page()
    log_in_as_staff(staff, world.users["staff"])
    nav_link(staff, "Reconciliation", exact=True).click()
    staff.get_by_label("Stripe report (CSV)").set_input_files(str(RECONCILIATION))
    staff.get_by_role("button", name="Reconcile the file").click()
    # The page polls the run and reloads when it is done, showing the results.
    exceptions = staff.locator("table#exceptions")
    expect(exceptions).to_contain_text("Unmatched payment", timeout=30_000)
    expect(staff.locator("table#payouts")).to_contain_text("po_RecPayoutB01")
    exceptions.get_by_role("link", name="Unmatched payment").click()
    staff.get_by_label("Resolution").select_option("assigned")
    staff.get_by_label("Account number").fill("RPT-0002")
    staff.get_by_label("Invoices it pays (numbers, optional)").fill("R-2")
    staff.get_by_label("Why").fill("The payer phoned: account typed wrong on the card form")
    staff.get_by_role("button", name="Resolve").click()
    resolution = staff.locator("dl#resolution")
    expect(resolution).to_contain_text("Allocate to an account")
    expect(resolution).to_contain_text("specialist@staff.test")
    expect(resolution).to_contain_text("Partial")
    staff.get_by_role("link", name="Exceptions queue").click()
    staff.get_by_label("Status").select_option("resolved")
    staff.get_by_role("button", name="Show").click()
    expect(staff.get_by_role("row").filter(has_text="txn_1RptUnmatch01")).to_contain_text(
        "Allocate to an account")
