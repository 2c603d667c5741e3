"""A billing dispute along the escalation path, through a real browser.

The channel partner (approved by its customer) disputes $750.00 of an invoice with a
PDF attached. That is above what tier 1 may grant ($500.00), so the billing specialist
escalates it; the tier-2 supervisor states a purpose and settles it with a partial credit
of $400.00; the partner then sees the outcome and the credit on the dispute page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from billing.disputes.models import Dispute
from billing.invoicing.models import CreditNote
from tests.browser.test_journeys import log_in, log_in_as_staff, nav_link
from tests.factories import approve, make_billing_staff, make_tiers, recent_invoice

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def dispute_world(world, session):
    make_tiers(session)
    approve(session, world.customers["channel"], world.partners["channel"])
    invoice = recent_invoice(session, world.customers["channel"], number="USD-2026-D00001")
    supervisor = make_billing_staff(session, "billing_supervisor", "supervisor@staff.test")
    session.commit()
    return world, invoice, supervisor


def test_partner_files_specialist_escalates_supervisor_settles_partner_sees_it(
        dispute_world, new_page, session, tmp_path):
    world, invoice, supervisor = dispute_world
    evidence = tmp_path / "contract-2025.pdf"
    evidence.write_bytes(PDF)

    partner = new_page()
    log_in(partner, world.users["channel_admin"].email)
    partner.goto(f"/partner/invoices/{invoice.id}")
    partner.get_by_role("link", name="Dispute this invoice").click()
    partner.get_by_label("Reason").select_option(label="Wrong rate")
    partner.get_by_label("Amount you dispute").fill("750.00")
    partner.get_by_label("What is wrong").fill("Seats billed at list price, not our contract.")
    partner.get_by_label(re.compile("Attachments")).set_input_files(str(evidence))
    partner.get_by_role("button", name="File the dispute").click()
    expect(partner.get_by_role("heading", level=1)).to_contain_text("Dispute D-")
    expect(partner.get_by_role("link", name="contract-2025.pdf")).to_be_visible()
    reference = partner.get_by_role("heading", level=1).inner_text().split()[1]

    specialist = new_page()
    log_in_as_staff(specialist, world.users["staff"])
    nav_link(specialist, "Disputes").click()
    specialist.get_by_role("link", name=reference).click()
    specialist.get_by_role("button", name="Take it").click()
    specialist.get_by_label("Note for the next tier").fill("Above tier 1's authority.")
    specialist.get_by_role("button", name="Escalate to the next tier").click()
    expect(specialist.locator("dl.facts")).to_contain_text("Tier 2")

    boss = new_page()
    log_in_as_staff(boss, supervisor)
    nav_link(boss, "Disputes").click()
    boss.get_by_role("link", name=reference).click()
    boss.get_by_label("Purpose").select_option("billing")
    boss.get_by_role("button", name="Open CPNI").click()
    expect(boss.locator("dl.facts")).to_contain_text("$750.00")
    boss.get_by_label("Outcome").select_option("partial")
    boss.get_by_label("Credit (partial credit only)").fill("400.00")
    boss.get_by_label("Reason").fill("The contract price applies from March only.")
    boss.get_by_role("button", name="Settle the dispute").click()
    expect(boss.locator("dl.facts")).to_contain_text("Partial credit")

    partner.reload()
    expect(partner.get_by_role("heading", level=1)).to_contain_text("Settled")
    facts = partner.locator("dl.facts")
    expect(facts).to_contain_text("Partial credit: The contract price applies from March only.")
    expect(facts).to_contain_text("$400.00")
    timeline = partner.locator("ol.timeline")
    expect(timeline).to_contain_text("Escalated")
    expect(timeline).to_contain_text("Settled")

    dispute = session.scalars(select(Dispute)).one()
    assert (dispute.status, dispute.tier.level, dispute.credit_minor) == ("settled", 2, 40_000)
    assert session.scalars(select(CreditNote.amount_minor)).all() == [40_000]
