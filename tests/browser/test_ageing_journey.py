"""A partner admin opens the receivables ageing as of a past day, sees the chart, drills
down into a bucket to the account, and downloads the workbook; the page breaks no
Content-Security-Policy rule (the chart is styled by classes only)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.ageing_helpers import AS_OF, build_aged_world
from tests.browser.test_journeys import nav_link
from tests.factories import PASSWORD


def test_partner_ages_receivables_drills_down_and_downloads(world, session, browser_page,
                                                            tmp_path):
    build_aged_world(session, world)
    page = browser_page
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(world.users["channel_admin"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    nav_link(page, "Receivables ageing").click()
    page.get_by_label("As of the end of").fill(AS_OF.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("svg#chart-ageing-USD")).to_be_visible()
    expect(page.locator("#ageing-withheld")).to_contain_text("4 of your accounts")
    page.locator('#ageing-USD td[data-bucket="1-30"] a').click()
    expect(page.locator("#ageing-accounts tbody tr")).to_have_count(1)
    with page.expect_download() as info:
        page.goto(f"/partner/ageing?as_of={AS_OF.isoformat()}")
        page.get_by_role("link", name="Download as Excel").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert [row[0].value for row in book.worksheets[1].iter_rows(min_row=2)] == ["AGE-A"]
    page.goto(f"/partner/ageing/accounts?as_of={AS_OF.isoformat()}&currency=USD&bucket=1-30")
    page.get_by_role("link", name="AGE-A").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aged Approved")
    assert not [p for p in problems if "Content Security Policy" in p], problems
