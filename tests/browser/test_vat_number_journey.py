"""A customer admin types the account's VAT number the way it is printed on paper and
finds it on the account page; the contact page stays accessible in English and German."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.browser.test_journeys import log_in_as_staff
from tests.factories import PASSWORD


def _log_in(page, email):
    page.goto("/auth/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/customer/**")


@pytest.mark.parametrize("locale", ["en", "de"])
def test_the_contact_page_with_its_vat_number_is_accessible(world, browser, live_server,
                                                            locale):
    context = browser.new_context(base_url=live_server, locale=locale)
    context.set_default_timeout(10_000)
    page = context.new_page()
    _log_in(page, world.users["customer_admin"].email)
    page.goto("/customer/contact")
    expect(page.locator("input[name=vat_number]")).to_be_visible()
    assert_accessible(page)
    context.close()


def test_a_customer_admin_saves_a_vat_number_and_sees_it_on_the_account(world, browser_page):
    page = browser_page
    _log_in(page, world.users["customer_admin"].email)
    page.goto("/customer/contact")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("VAT number (optional, printed on invoices)").fill("DE 123 456 789")
    page.get_by_label("Your password, to confirm").fill(PASSWORD)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").or_(page.locator(".flash")).first).to_contain_text(
        "saved")
    page.goto(f"/customer/accounts/{world.customers['channel'].id}")
    expect(page.locator("dl.facts")).to_contain_text("DE123456789")


def test_billing_staff_correct_a_vat_number_on_the_customer_page(world, browser_page):
    """Staff type the number as the caller reads it out; the page shows it as stored, and
    stays accessible with its new section."""
    page = browser_page
    log_in_as_staff(page, world.users["staff"])
    page.goto(f"/staff/customers/{world.customers['channel'].id}")
    section = page.locator("#vat-number")
    expect(section).to_contain_text("no VAT number of record")
    assert_accessible(page)
    section.get_by_label("VAT number (blank to remove it)").fill("de 123.456-789")
    section.get_by_role("button", name="Save the VAT number").click()
    expect(page.locator(".flash").first).to_contain_text("DE123456789")
    expect(page.locator("#vat-number")).to_contain_text("The VAT number of record is DE123456789")
    assert_accessible(page)
