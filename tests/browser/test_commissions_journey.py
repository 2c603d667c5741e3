"""An agency admin opens Commissions, sees the 12-month chart and downloads the month's
statement PDF, where the account without an approval is not named."""

from __future__ import annotations

import io

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.test_journeys import nav_link
from tests.commission_helpers import seed_earnings
from tests.factories import PASSWORD


def test_agency_admin_sees_the_chart_and_downloads_the_statement(world, session,
                                                                   browser_page, tmp_path):
    month = seed_earnings(session, world)
    page = browser_page
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(world.users["agency_admin"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    nav_link(page, "Commissions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissions")
    expect(page.locator("svg#chart-commission-USD")).to_be_visible()
    expect(page.locator("svg#chart-commission-USD rect.chart-bar")).to_have_count(12)
    page.get_by_role("link", name="Details").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        "Overrides through Sub Agent")
    with page.expect_download() as info:
        page.get_by_role("link", name="Statement (PDF)").click()
    download = info.value
    assert download.suggested_filename == f"commission-AG-{month}.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Commission statement" in text and "COM-OPEN" in text
    assert "COM-SHUT" not in text and "Closed Books" not in text
