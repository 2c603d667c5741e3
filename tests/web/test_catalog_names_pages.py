"""Tier and product names in the reader's language on pages and notices; the API keeps
the canonical names; an admin gives a tier its names on the escalation path page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billing.catalog.models import Product
from billing.core.clock import utcnow
from billing.disputes import filing, steps
from billing.parties import identity
from portal import notices
from portal.disputes import notices as dispute_notices
from tests.conftest import csrf_token, login
from tests.factories import make_billing_staff, make_tiers, recent_invoice

GERMAN_TIER = "Abrechnungsteam"
GERMAN_SEAT = "Sprachlizenz"


@pytest.fixture
def dispute(world, session):
    """A dispute of the channel customer, at a first tier named in German too."""
    tiers = make_tiers(session)
    tiers[0].name_translations = {"de": GERMAN_TIER}
    invoice = recent_invoice(session, world.customers["channel"])
    found = filing.file_dispute(session, invoice=invoice, user=world.users["customer_admin"],
                                reason="tax", description="Steuer", amount_minor=1_000,
                                now=utcnow()).dispute
    session.commit()
    return found


def speaking(client, session, user, locale):
    user.locale = locale
    session.commit()
    login(client, user)
    return client


@pytest.mark.parametrize("locale, shown, hidden", [
    ("de", GERMAN_TIER, "Billing specialist"), ("en_US", "Billing specialist", GERMAN_TIER)])
def test_the_filer_reads_the_tier_in_its_language(client, session, world, dispute,
                                                  locale, shown, hidden):
    client = speaking(client, session, world.users["customer_admin"], locale)
    page = client.get(f"/customer/disputes/{dispute.id}").get_data(as_text=True)
    assert shown in page and hidden not in page


def test_a_german_notice_names_the_tier_in_german(session, world, dispute, mailbox):
    filer = world.users["customer_admin"]
    filer.locale = "de"
    session.commit()
    step = steps.take(session, dispute.id, world.users["staff"], utcnow())
    dispute_notices.notify(step)
    session.commit()
    notices.deliver_queued()
    [notice] = mailbox.messages
    body = notice.get_payload(decode=True).decode(notice.get_content_charset() or "utf-8")
    assert GERMAN_TIER in body


def test_the_api_keeps_the_canonical_tier_name(client, session, world, dispute):
    user = world.users["channel_admin"]  # the customer's partner, reading in German
    user.locale = "de"
    _, secret = identity.create_api_token(session, user=user, name="x", now=utcnow())
    session.commit()
    answer = client.get(f"/api/v1/disputes/{dispute.id}",
                        headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    assert answer.get_json()["data"]["tier"]["name"] == "Billing specialist"


def test_an_admin_names_a_tier_per_locale(client, session, world):
    first = make_tiers(session)[0]
    client = speaking(client, session, make_billing_staff(session, "admin"), "en_US")
    url = f"/staff/disputes/tiers?edit={first.id}"
    response = client.post(f"/staff/disputes/tiers/{first.id}", data={
        "csrf_token": csrf_token(client, url), "name": first.name, "role": first.role,
        "response_hours": "16", "authority_USD": "500", "authority_CAD": "500",
        "name_de": GERMAN_TIER, "name_fr": "Équipe facturation", "name_es": "",
        "name_en_GB": ""})
    assert response.status_code == 302
    session.expire_all()
    assert first.name_translations == {"de": GERMAN_TIER, "fr": "Équipe facturation"}
    assert f'value="{GERMAN_TIER}"' in client.get(url).get_data(as_text=True)


def test_a_german_customer_reads_its_product_in_german_on_the_sla_page(client, session,
                                                                       world):
    seat = session.scalars(select(Product).filter_by(code="VOICE-SEAT")).one()
    seat.sla_family, seat.name_translations = "voice", {"de": GERMAN_SEAT}
    client = speaking(client, session, world.users["customer_admin"], "de")
    page = client.get("/customer/sla").get_data(as_text=True)
    assert GERMAN_SEAT in page
