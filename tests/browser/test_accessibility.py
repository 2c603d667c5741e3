"""Accessibility: axe-core finds no serious or critical violation on the portal's pages."""

from __future__ import annotations

import pytest

from tests.browser.accessibility import assert_accessible
from tests.browser.test_journeys import log_in


@pytest.mark.parametrize("locale", ["en", "de"])
def test_login_page_is_accessible(browser, live_server, locale):
    context = browser.new_context(base_url=live_server, locale=locale)
    page = context.new_page()
    page.goto("/auth/login")
    assert_accessible(page)
    context.close()


def test_partner_invoice_list_is_accessible(world, browser_page):
    log_in(browser_page, world.users["channel_admin"].email)
    browser_page.goto("/partner/invoices")
    assert_accessible(browser_page)


def test_the_check_fails_on_a_page_with_a_serious_violation(browser_page):
    browser_page.set_content(
        '<html lang="en"><title>t</title><main><img src="x.png">'
        '<input type="text"></main></html>'
    )
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(browser_page)
