"""The invoice page with its new line columns and payments, and the searched invoice
list: no serious or critical accessibility violation, in English and German."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_journeys import log_in
from tests.web.test_invoice_lines import NUMBER, telecom_invoice  # noqa: F401 (fixture)


def _as(session, world, key, locale):
    world.users[key].locale = locale
    session.commit()
    return world.users[key].email


@pytest.mark.parametrize("locale", ["en_US", "de"])
def test_customer_invoice_page_with_lines_and_payments_is_accessible(
        world, session, browser_page, telecom_invoice, locale):  # noqa: F811
    log_in(browser_page, _as(session, world, "customer_admin", locale))
    browser_page.goto(f"/customer/invoices/{telecom_invoice.id}")
    minutes = "231,92" if locale == "de" else "231.92"
    expect(browser_page.locator("table.lines")).to_contain_text(minutes)
    expect(browser_page.locator("table.activity")).to_contain_text("WIRE-778")
    assert_accessible(browser_page)


@pytest.mark.parametrize("locale", ["en_US", "de"])
def test_invoice_list_search_is_accessible(
        world, session, browser_page, telecom_invoice, locale):  # noqa: F811
    log_in(browser_page, _as(session, world, "customer_admin", locale))
    browser_page.goto("/customer/invoices")
    browser_page.get_by_role("searchbox").fill(NUMBER.lower())
    browser_page.get_by_role("searchbox").press("Enter")
    expect(browser_page.locator("table.list tbody tr")).to_have_count(1)
    expect(browser_page.get_by_role("link", name=NUMBER)).to_be_visible()
    assert_accessible(browser_page)
