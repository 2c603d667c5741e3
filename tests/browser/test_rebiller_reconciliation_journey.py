"""A rebiller uploads its billing file on Reconciliation, watches the run finish and
opens the results: figures per class, the chart, its approved end customers' rows, and
only counts for the end customer that has not approved it (tests/rebiller_helpers.py)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_journeys import nav_link
from tests.factories import PASSWORD
from tests.rebiller_helpers import BILLING_FILE, build_period


def test_a_rebiller_uploads_its_billing_file_and_opens_the_results(world, session,
                                                                    browser_page, tmp_path):
    build_period(session, world)
    session.commit()
    path = tmp_path / "may-billing.csv"
    path.write_text(BILLING_FILE)
    page = browser_page
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(world.users["wholesale_admin"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    nav_link(page, "Reconciliation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reconciliation")
    page.get_by_label("Bill period (YYYY-MM)").fill("2026-05")
    page.get_by_label("Billing file (CSV, up to 10 MB)").set_input_files(str(path))
    page.get_by_role("button", name="Upload and reconcile").click()
    # the page reloads when done; the run is a background job, slower on a busy machine
    expect(page.locator("#run-state")).to_have_text("Done", timeout=30_000)
    classes = page.locator("#classes")
    expect(classes.get_by_role("row", name="Unbilled")).to_contain_text("$63.00")
    expect(classes.get_by_role("row", name="Quantity mismatch")).to_contain_text("1")
    expect(page.locator("svg#chart-reconciliation-USD")).to_be_visible()
    classes.get_by_role("link", name="Unpaid").click()
    rows = page.locator("#rows")
    expect(rows).to_contain_text("AC-0307")
    expect(rows).to_contain_text("$30.00")  # 50.00 billed, 20.00 paid
    page.get_by_role("link", name="All classes").click()
    expect(page.locator("#rows")).not_to_contain_text("AC-0305")
    expect(page.locator("#rows")).not_to_contain_text("PELICAN-TRUNK-9921")
