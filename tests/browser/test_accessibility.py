"""Accessibility: axe-core finds no serious or critical violation on the portal's pages,
for each audience, in English and in German (the language chosen in the header)."""

from __future__ import annotations

import pytest

from billing.core.clock import utcnow
from billing.disputes import filing
from tests.browser.accessibility import assert_accessible
from tests.browser.test_journeys import log_in, log_in_as_staff
from tests.factories import approve, make_tiers, recent_invoice


@pytest.mark.parametrize("locale", ["en", "de"])
def test_login_page_is_accessible(browser, live_server, locale):
    context = browser.new_context(base_url=live_server, locale=locale)
    page = context.new_page()
    page.goto("/auth/login")
    assert_accessible(page)
    context.close()


@pytest.fixture
def disputed(world, session):
    """The channel customer's approved partner, an invoice of it and a dispute on it."""
    make_tiers(session)
    approve(session, world.customers["channel"], world.partners["channel"])
    invoice = recent_invoice(session, world.customers["channel"], number="USD-2026-A11Y01")
    step = filing.file_dispute(session, invoice=invoice, user=world.users["customer_admin"],
                               reason="wrong_rate", description="The seat rate is wrong.",
                               amount_minor=5_000, now=utcnow())
    session.commit()
    return world, invoice, step.dispute


def check_in_both_languages(page, urls):
    """Every page in English, then the same pages after choosing Deutsch in the header."""
    for url in urls:
        assert page.goto(url).ok, url
        assert_accessible(page)
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change").click()
    page.wait_for_selector("html[lang=de]")
    for url in urls:
        assert page.goto(url).ok, url
        assert page.locator("html").get_attribute("lang") == "de"
        assert_accessible(page)


def test_partner_pages_are_accessible(disputed, browser_page):
    world, invoice, dispute = disputed
    log_in(browser_page, world.users["channel_admin"].email)
    check_in_both_languages(browser_page, [
        "/partner/invoices", f"/partner/invoices/{invoice.id}", "/partner/disputes",
        f"/partner/disputes/{dispute.id}"])


def test_customer_pages_are_accessible(disputed, browser_page):
    world, invoice, _ = disputed
    log_in(browser_page, world.users["customer_admin"].email)
    check_in_both_languages(browser_page, [
        "/customer/invoices", f"/customer/invoices/{invoice.id}", "/customer/pay",
        "/customer/sla", "/auth/preferences"])


def test_staff_pages_are_accessible(disputed, browser_page):
    world, _, dispute = disputed
    log_in_as_staff(browser_page, world.users["staff"])
    check_in_both_languages(browser_page, [
        "/staff/disputes/", f"/staff/disputes/{dispute.id}", "/staff/runs"])


def test_the_check_fails_on_a_page_with_a_serious_violation(browser_page):
    browser_page.set_content(
        '<html lang="en"><title>t</title><main><img src="x.png">'
        '<input type="text"></main></html>'
    )
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(browser_page)
