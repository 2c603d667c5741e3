"""The leak matrix: every surface that shows a customer's data to a partner, under every
state of that customer's approval for the partner.

Surfaces: pages (invoice list, invoice, customer, SLA, dispute list, dispute), the CSV
export, PDFs (invoice, statement) and the API (invoice list, invoice, customer, invoice
PDF, dispute list, dispute). States: none, active, revoked, expired, approved only for
another partner, and active with the narrower "billing" scope (no usage or call detail).

Expected: no CPNI marker where the approval is not in force; the surface's own marker
where it is (never the usage marker under the billing scope); and exactly one disclosure
log entry for each view that showed CPNI, with that surface.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from billing.core.clock import utcnow
from billing.cpni.models import CpniDisclosure
from billing.disputes import filing, steps
from billing.parties import identity
from tests.factories import CPNI_MARKERS, USAGE_MARKER, approve, make_tiers
from tests.pdf.pdftext import pdf_text

STATES = ["none", "active", "revoked", "expired", "other_partner", "billing_scope"]
IN_FORCE = {"active", "billing_scope"}
DISPUTED = 123_457  # $1,234.57: a dispute's amount is the customer's CPNI too
# What the customer and staff write on a dispute may quote charges: CPNI as well.
WORDS = "WOMBAT-WORDS-9931"
STAFF_WORDS = "KIWI-NOTE-2207"
DISPUTE_MARKERS = ("1,234.57", "1.234,57", "1234.57", "123457", WORDS, STAFF_WORDS)
MARKERS = CPNI_MARKERS + DISPUTE_MARKERS
FEBRUARY = "from=2026-02-01&to=2026-02-28"  # the world's invoices were issued 26 Feb 2026

# name: (kind, url template, the marker it shows when CPNI is visible, log surface)
# The dispute page shows the customer's words once approved; the list does not.
SURFACES = {
    "invoice list": ("page", "/partner/invoices?customer_id={c}", "8,642.19", "page"),
    "invoice page": ("page", "/partner/invoices/{i}", "QUOKKA-LINE-4410", "page"),
    "customer page": ("page", "/partner/customers/{c}", "ZEBRA-SERVICE-7731", "page"),
    "sla page": ("page", "/partner/customers/{c}/sla", None, "page"),
    "dispute list": ("page", "/partner/disputes", "1,234.57", "page"),
    "dispute page": ("page", "/partner/disputes/{d}", WORDS, "page"),
    "invoice csv": ("page", "/partner/invoices.csv?customer_id={c}", "8642.19", "export"),
    "invoice pdf": ("pdf", "/partner/invoices/{i}/pdf", "QUOKKA-LINE-4410", "pdf"),
    "statement pdf": ("pdf", "/partner/customers/{c}/statement.pdf?" + FEBRUARY, "8,642.19",
                      "pdf"),
    "api invoice list": ("api", "/api/v1/invoices?customer_id={c}", "864219", "api"),
    "api invoice": ("api", "/api/v1/invoices/{i}", "QUOKKA-LINE-4410", "api"),
    "api customer": ("api", "/api/v1/customers/{c}", "ZEBRA-SERVICE-7731", "api"),
    "api invoice pdf": ("api pdf", "/api/v1/invoices/{i}/pdf", "8,642.19", "api"),
    "api dispute list": ("api", "/api/v1/disputes", "1234.57", "api"),
    "api dispute": ("api", "/api/v1/disputes/{d}", "1234.57", "api"),
    "api dispute events": ("api", "/api/v1/disputes/{d}/events", STAFF_WORDS, "api"),
}


@pytest.fixture
def matrix(world, session):
    """The world, a dispute of the channel customer's invoice, and a partner API token."""
    make_tiers(session)
    invoice = world.invoices["channel"]
    dispute = filing.file_dispute(
        session, invoice=invoice, user=world.users["customer_admin"], reason="wrong_rate",
        description=f"Seat rate {WORDS}", amount_minor=DISPUTED, now=utcnow(),
        window_days=10_000).dispute
    steps.comment(session, dispute.id, world.users["staff"], f"Checked {STAFF_WORDS}",
                  utcnow())
    _, secret = identity.create_api_token(session, user=world.users["channel_admin"],
                                          name="erp", now=utcnow())
    session.commit()
    ids = {"c": world.customers["channel"].id, "i": invoice.id, "d": dispute.id}
    return world, ids, {"Authorization": f"Bearer {secret}"}


def _set_state(session, world, state):
    customer, partners = world.customers["channel"], world.partners
    if state == "other_partner":
        approve(session, customer, partners["other"])
    elif state == "billing_scope":
        approve(session, customer, partners["channel"], scope="billing")
    elif state != "none":
        approve(session, customer, partners["channel"], state)
    session.commit()


def _read(client, headers, kind, url) -> str:
    response = client.get(url, headers=headers if kind.startswith("api") else None)
    assert response.status_code == 200, (url, response.status_code)
    if kind in ("pdf", "api pdf"):
        return pdf_text(response.data)
    return response.get_data(as_text=True)


def _log(session, mark):
    return [d.surface for d in session.scalars(
        select(CpniDisclosure).where(CpniDisclosure.sequence > mark)
        .order_by(CpniDisclosure.sequence))]


def _last_sequence(session) -> int:
    return max(session.scalars(select(CpniDisclosure.sequence)).all(), default=0)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_each_surface_under_each_approval_state(login_as, session, matrix, state, surface):
    world, ids, headers = matrix
    _set_state(session, world, state)
    kind, url, marker, log_surface = SURFACES[surface]
    client = login_as("channel_admin")
    mark = _last_sequence(session)
    text = _read(client, headers, kind, url.format(**ids))
    logged = _log(session, mark)
    if state not in IN_FORCE:
        for leaked in MARKERS:
            assert leaked not in text, f"{leaked} leaked on {surface} ({state})"
        assert logged == [], f"{surface} logged a disclosure that showed nothing ({state})"
        return
    if marker is not None:
        assert marker in text, f"{surface} hides CPNI the customer approved ({state})"
    if state == "billing_scope":
        assert USAGE_MARKER not in text, f"usage detail on {surface} under billing scope"
    assert logged == [log_surface], f"{surface} must log its one disclosure ({state})"
