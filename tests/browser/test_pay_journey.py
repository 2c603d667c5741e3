"""A customer admin pays an invoice by card in Chromium, through the Stripe Elements mock
that localstripe serves, and sees it paid."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from billing.invoicing.models import Invoice
from billing.payments.models import Payment
from tests.browser.test_journeys import log_in

pytest.importorskip("localstripe", reason="localstripe is not installed (test extra)")


@pytest.fixture
def stripe_on(app, stripe_server):
    keys = {"STRIPE_SECRET_KEY": stripe_server.api_key,
            "STRIPE_PUBLISHABLE_KEY": stripe_server.publishable_key,
            "STRIPE_API_BASE": stripe_server.url, "STRIPE_JS_URL": stripe_server.js_url}
    before = {key: app.config.get(key) for key in keys}
    app.config.update(keys)
    yield
    app.config.update(before)


def test_a_customer_pays_an_invoice_by_card_and_sees_it_paid(db, world, browser_page,
                                                             stripe_on):
    page = browser_page
    invoice = world.invoices["channel"]
    log_in(page, world.users["customer_admin"].email)
    page.goto(f"/customer/pay?invoice={invoice.id}")
    expect(page.get_by_label(invoice.number)).to_be_checked()
    page.get_by_role("button", name="Continue to card payment").click()

    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill("4242424242424242")
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("30")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("80202")
    page.get_by_role("button", name="Pay $8,642.19").click()

    expect(page.locator("#pay-outcome")).to_contain_text(
        "your payment of $8,642.19 has been received")
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status == "paid"
    assert db.session.query(Payment).filter_by(customer_id=invoice.customer_id).count() == 1
