"""Payments in Chromium: staff record a cheque through the form; the customer sees it in
its history; the partner, without approval, sees the invoice paid and no amount."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from billing.core.clock import provider_date, utcnow
from tests.browser.test_journeys import log_in, log_in_as_staff, nav_link


def test_a_cheque_recorded_by_staff_shows_paid_everywhere_and_amounts_only_to_the_entitled(
        world, new_page):
    invoice = world.invoices["channel"]
    staff = new_page()
    log_in_as_staff(staff, world.users["staff"])
    nav_link(staff, "Payments").click()
    staff.get_by_role("link", name="Record a payment received").click()
    staff.get_by_label("Account number").fill("AC-0001")
    staff.get_by_label("Date received").fill(
        (provider_date(utcnow()) - timedelta(days=1)).isoformat())
    staff.get_by_label("Amount").fill("8,642.19")
    staff.get_by_label("Method").select_option("cheque")
    staff.get_by_label("Reference").fill("CHQ-BROWSER-1")
    staff.get_by_label("Invoices named by the payer").fill(invoice.number)
    staff.get_by_role("button", name="Record the payment").click()
    expect(staff.locator("dl.facts")).to_contain_text("Matched")
    expect(staff.get_by_role("link", name=invoice.number)).to_be_visible()

    customer = new_page()
    log_in(customer, world.users["customer_admin"].email)
    nav_link(customer, "Payments").click()
    row = customer.get_by_role("row").filter(has_text="CHQ-BROWSER-1")
    expect(row).to_contain_text("$8,642.19")
    expect(row.get_by_role("link", name="PDF")).to_be_visible()

    partner = new_page()
    log_in(partner, world.users["channel_admin"].email)
    nav_link(partner, "Invoices").click()
    row = partner.get_by_role("row").filter(has_text=invoice.number)
    expect(row).to_contain_text("Paid")
    assert "8,642.19" not in partner.content()
    row.get_by_role("link", name=invoice.number).click()
    expect(partner.locator("dl.facts")).to_contain_text("Paid")
    assert "8,642.19" not in partner.content() and "CHQ-BROWSER-1" not in partner.content()
