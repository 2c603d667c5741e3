"""No CPNI reaches a partner without the customer's approval, on any surface.

Surfaces: the invoice list, invoice and customer pages (HTML), the API (JSON) and the
invoice PDF from both. States: never approved, revoked, expired, approved only for
another partner, and active. CPNI_MARKERS appear only in CPNI fields of the test world.
"""

import pytest
from sqlalchemy import func, select

from billing.core.clock import utcnow
from billing.cpni.models import CpniDisclosure
from billing.parties import identity
from tests.factories import CPNI_MARKERS, USAGE_MARKER, approve
from tests.pdf.pdftext import pdf_text

WITHHELD_STATES = ["none", "revoked", "expired", "other_partner"]


def _set_state(session, world, state):
    customer = world.customers["channel"]
    if state == "other_partner":
        approve(session, customer, world.partners["other"])
    elif state != "none":
        approve(session, customer, world.partners["channel"], state)
    session.commit()


def _surfaces(client, world, headers=None):
    customer, invoice = world.customers["channel"].id, world.invoices["channel"].id
    pages = {
        "invoice list": f"/partner/invoices?customer_id={customer}",
        "invoice page": f"/partner/invoices/{invoice}",
        "customer page": f"/partner/customers/{customer}",
    }
    api = {
        "api invoice list": f"/api/v1/invoices?customer_id={customer}",
        "api invoice": f"/api/v1/invoices/{invoice}",
        "api customer": f"/api/v1/customers/{customer}",
    }
    texts = {name: client.get(url).get_data(as_text=True) for name, url in pages.items()}
    texts["pdf"] = pdf_text(client.get(f"/partner/invoices/{invoice}/pdf").data)
    for name, url in api.items():
        texts[name] = client.get(url, headers=headers).get_data(as_text=True)
    texts["api pdf"] = pdf_text(client.get(f"/api/v1/invoices/{invoice}/pdf",
                                           headers=headers).data)
    return texts


def _token(session, world):
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def _disclosures(session):
    return session.scalar(select(func.count()).select_from(CpniDisclosure))


@pytest.mark.parametrize("locale", ["en_US", "de"])
@pytest.mark.parametrize("state", WITHHELD_STATES)
def test_no_cpni_on_any_surface_without_approval(login_as, session, world, state, locale):
    _set_state(session, world, state)
    world.users["channel_admin"].locale = locale
    headers = _token(session, world)
    texts = _surfaces(login_as("channel_admin"), world, headers)
    for surface, text in texts.items():
        assert world.invoices["channel"].number in text or "customer" in surface, surface
        for marker in CPNI_MARKERS:
            assert marker not in text, f"{marker} leaked on {surface} ({state})"
    assert "cpni_withheld" in texts["api invoice"]
    if locale == "en_US":
        assert "withheld" in texts["invoice page"].lower()
        assert "Charges withheld" in texts["pdf"]
    assert _disclosures(session) == 0


def test_billing_only_scope_shows_charges_but_no_usage_or_call_detail(login_as, session, world):
    approve(session, world.customers["channel"], world.partners["channel"], scope="billing")
    session.commit()
    texts = _surfaces(login_as("channel_admin"), world, _token(session, world))
    for surface in ("invoice page", "pdf", "api invoice", "api pdf"):
        assert "QUOKKA-LINE-4410" in texts[surface], surface
        assert USAGE_MARKER not in texts[surface], surface
    assert "international" not in texts["api invoice"]
    assert "usage_withheld" in texts["api invoice"]
    assert "billing detail only" in texts["invoice page"]


def test_sub_account_surfaces_follow_the_corporate_approval(login_as, session, world):
    client = login_as("channel_admin")
    url = f"/partner/invoices/{world.invoices['location'].id}"
    assert "QUOKKA-LINE-4410" not in client.get(url).get_data(as_text=True)
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    assert "QUOKKA-LINE-4410" in client.get(url).get_data(as_text=True)


def test_cpni_everywhere_with_approval_and_each_view_is_logged(login_as, session, world):
    _set_state(session, world, "active")
    headers = _token(session, world)
    texts = _surfaces(login_as("channel_admin"), world, headers)
    expected = {
        "invoice list": "8,642.19", "invoice page": "QUOKKA-LINE-4410",
        "customer page": "ZEBRA-SERVICE-7731", "pdf": "QUOKKA-LINE-4410",
        "api invoice list": "864219", "api invoice": "QUOKKA-LINE-4410",
        "api customer": "ZEBRA-SERVICE-7731", "api pdf": "8,642.19",
    }
    for surface, marker in expected.items():
        assert marker in texts[surface], surface
    assert _disclosures(session) == len(expected)
    surfaces = set(session.scalars(select(CpniDisclosure.surface)))
    assert surfaces == {"page", "pdf", "api"}


def test_revocation_applies_on_the_very_next_request(login_as, session, world):
    approval = approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    client = login_as("channel_admin")
    url = f"/partner/invoices/{world.invoices['channel'].id}"
    assert "QUOKKA-LINE-4410" in client.get(url).get_data(as_text=True)
    approval.revoked_at = utcnow()
    session.commit()
    assert "QUOKKA-LINE-4410" not in client.get(url).get_data(as_text=True)


def test_customer_sees_its_own_cpni_and_nothing_is_logged(login_as, session, world):
    client = login_as("customer_user")
    page = client.get(f"/customer/invoices/{world.invoices['channel'].id}")
    assert "QUOKKA-LINE-4410" in page.get_data(as_text=True)
    assert _disclosures(session) == 0
