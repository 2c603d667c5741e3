"""The pages issue 19 changed, in English and German, through a real browser: the SLA
preview, the review of a run's drafts and the dispute form refusing another locale's
amount. Each is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.invoicing.runs import draft_period
from billing.invoicing.usage_models import InvoiceRun
from tests.browser import test_sla_journey as sla_journey
from tests.browser.accessibility import assert_accessible
from tests.browser.test_journeys import log_in, log_in_as_staff
from tests.factories import make_tiers, recent_invoice
from tests.web.test_staff_runs import last_ended_period

voice_outage = sla_journey.voice_outage
LOCALES = ["en_US", "de"]


def speaking(session, user, locale):
    user.locale = locale
    session.commit()


@pytest.mark.parametrize("locale, daily_rate", [("en_US", "$1.74"), ("de", "1,74\u00a0$")])
def test_the_sla_preview_shows_money_and_is_accessible(voice_outage, session, browser_page,
                                                       locale, daily_rate):
    world, page = voice_outage, browser_page
    speaking(session, world.users["customer_admin"], locale)
    log_in(page, world.users["customer_admin"].email)
    page.goto("/customer/sla")
    form = page.locator("form[action$='/sla/preview']")  # its one service: the voice seats
    form.locator("select[name=month]").select_option(f"{sla_journey.PLAIN_MONTH:%Y-%m}")
    form.locator("button[type=submit]").click()
    expect(page.locator("dl.calculation")).to_contain_text(daily_rate)
    expect(page.locator("dl.calculation")).not_to_contain_text("1.741935")
    assert_accessible(page)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_draft_review_is_accessible(world, session, browser_page, locale):
    draft_period(session, last_ended_period(), started_by="cli", now=utcnow())
    session.commit()
    run = session.scalars(select(InvoiceRun)).one()
    speaking(session, world.users["staff"], locale)
    page = browser_page
    log_in_as_staff(page, world.users["staff"])
    page.goto(f"/staff/runs/{run.id}/drafts")
    assert_accessible(page)
    page.locator("form[action$='/drafts'] button[type=submit]").click()
    expect(page.locator("table.list tbody tr")).to_have_count(7)
    assert_accessible(page)


def test_a_german_dispute_form_refuses_12_50_accessibly(world, session, browser_page):
    make_tiers(session)
    invoice = recent_invoice(session, world.customers["channel"])
    speaking(session, world.users["customer_admin"], "de")
    page = browser_page
    log_in(page, world.users["customer_admin"].email)
    page.goto(f"/customer/invoices/{invoice.id}/dispute")
    page.locator("textarea[name=description]").fill("Falscher Tarif.")
    page.locator("input[name=amount]").fill("12.50")
    page.locator("form:has(textarea[name=description]) button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("1.234,56")
    assert_accessible(page)
