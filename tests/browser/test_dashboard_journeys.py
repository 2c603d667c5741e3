"""Each audience signs in, lands on its dashboard, finds it accessible (axe-core, in
English and in German) and follows one of its links."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from billing.core.clock import provider_date, recent_periods, utcnow
from billing.invoicing.usage_models import InvoiceRun
from tests.browser.accessibility import assert_accessible
from tests.browser.test_journeys import log_in, log_in_as_staff
from tests.dashboard_helpers import seed_channel_book
from tests.factories import make_tiers


def _accessible_in_english_and_german(page):
    assert_accessible(page)
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    assert_accessible(page)
    page.get_by_label("Sprache").select_option("en_US")
    page.get_by_role("button", name="Ändern").click()
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^en"))


def test_a_partner_lands_on_its_dashboard_and_opens_the_ageing(world, session, browser_page):
    seed_channel_book(session, world)
    page = browser_page
    log_in(page, world.users["channel_admin"].email)
    expect(page).to_have_url(re.compile(r"/partner/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("#owed")).to_contain_text("For 2 customers who approved CPNI")
    expect(page.locator("#owed")).to_contain_text("$17,404.38")
    _accessible_in_english_and_german(page)
    page.locator("#owed").get_by_role("link", name="Receivables ageing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Receivables ageing")


def test_a_customer_lands_on_its_dashboard_and_goes_to_pay(world, browser_page):
    page = browser_page
    log_in(page, world.users["customer_admin"].email)
    expect(page).to_have_url(re.compile(r"/customer/$"))
    expect(page.locator("#balance")).to_contain_text("$17,284.38")  # 2 x 8,642.19
    _accessible_in_english_and_german(page)
    page.locator("#balance").get_by_role("link", name="Pay").click()
    expect(page).to_have_url(re.compile(r"/customer/pay$"))


def test_billing_staff_land_on_their_dashboard_and_open_a_tier(world, session, browser_page):
    tiers = make_tiers(session)
    period = recent_periods(provider_date(utcnow()), 1)[0]
    session.add(InvoiceRun(period_end=period.end, state="running", started_by="ana",
                           total=10, done=4, progress_at=utcnow()))
    session.commit()
    page = browser_page
    log_in_as_staff(page, world.users["staff"])
    expect(page).to_have_url(re.compile(r"/staff/dashboard$"))
    expect(page.locator("#runs")).to_contain_text(f"Invoice run {period.key}")
    _accessible_in_english_and_german(page)
    page.locator("#dispute-queue").get_by_role("link", name=f"1. {tiers[0].name}").click()
    expect(page).to_have_url(re.compile(rf"/staff/disputes/\?tier={tiers[0].id}$"))
