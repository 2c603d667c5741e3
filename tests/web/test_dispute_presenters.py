"""Dispute surfaces render from the presenters' dicts: what an unapproved partner's
dicts hold, the one invoice-line rule they share with invoices, and that no dispute
template is handed an ORM object carrying CPNI."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import template_rendered

from billing.core.clock import utcnow
from billing.disputes import filing, steps
from billing.disputes.models import Dispute, DisputeAttachment, DisputeEvent
from billing.invoicing.models import CreditNote, Invoice, InvoiceLine
from billing.parties.models import Customer
from portal.access import CpniAccess, cpni_access
from portal.disputes import presenters
from portal.invoicing.presenters import visible_lines
from tests.factories import approve, make_tiers, recent_invoice

CPNI_KEYS = ("amount", "credit", "held", "lines", "credit_note", "amount_minor",
             "credit_minor", "held_minor", "has_lines")
CPNI_MODELS = (Dispute, DisputeEvent, DisputeAttachment, Invoice, InvoiceLine, CreditNote,
               Customer)
WORDS = "The seat rate is not our contract rate."


@pytest.fixture
def settled(world, session):
    """A dispute of two lines filed by the customer, settled with a partial credit."""
    make_tiers(session)
    invoice = recent_invoice(session, world.customers["channel"])
    line_ids = [line.id for line in invoice.lines][:2]
    now = utcnow()
    dispute = filing.file_dispute(
        session, invoice=invoice, user=world.users["customer_admin"], reason="wrong_rate",
        description=WORDS, amount_minor=2_000, now=now, line_ids=line_ids).dispute
    steps.settle(session, dispute.id, world.users["staff"], outcome="partial",
                 credit_minor=500, reason="Half of it.", now=now)
    session.commit()
    return dispute


def _views(session, world, dispute, partner_access):
    partner, now = world.users["channel_admin"], utcnow()
    lines, _ = presenters.shown_lines(session, partner, dispute.invoice, partner_access, now,
                                      dispute.lines)
    return {
        "api": presenters.dispute_dict(dispute, partner_access, staff_view=False,
                                       viewer=partner, shown_lines=lines),
        "page": presenters.page_dict(dispute, partner_access, viewer=partner,
                                     staff_view=False, now=now, lines=lines),
        "row": presenters.row_dict(dispute, partner_access, now),
    }, presenters.timeline(dispute, partner_access, viewer=partner, staff_view=False)


def test_an_unapproved_partners_dispute_dicts_hold_no_amount_line_or_description(
        session, world, settled):
    grant = cpni_access(session, world.users["channel_admin"], settled.customer, utcnow())
    assert not grant.visible
    views, events = _views(session, world, settled, grant)
    for name, data in views.items():
        assert not set(CPNI_KEYS) & set(data), name
        assert data.get("description") is None, name
    assert views["api"]["cpni_withheld"]["reason"] == "no_approval"
    settlement = next(event for event in events if event["kind"] == "settled")
    assert "credit_minor" not in settlement
    assert settlement["body"] is None and settlement["body_withheld"]  # staff's words
    assert not set(CPNI_KEYS) & set(presenters.mail_dict(settled))


def test_an_approved_partner_gets_the_amounts_lines_and_words(session, world, settled):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    grant = cpni_access(session, world.users["channel_admin"], settled.customer, utcnow())
    views, events = _views(session, world, settled, grant)
    assert views["api"]["amount"]["minor"] == 2_000 and len(views["api"]["lines"]) == 2
    page = views["page"]
    assert (page["amount_minor"], page["credit_minor"], page["held_minor"]) == (2_000, 500, 0)
    assert [line["amount_minor"] for line in page["lines"]] == [
        line.amount_minor for line in settled.lines]
    assert page["description"] == WORDS and views["row"]["amount_minor"] == 2_000
    assert next(e for e in events if e["kind"] == "settled")["credit_minor"] == 500


# --- the one invoice-line rule -------------------------------------------------------------

def _line(kind="recurring", section=None):
    return SimpleNamespace(kind=kind, sub_account_id=section)


SEEN = CpniAccess(True)
BILLING_ONLY = CpniAccess(True, purpose="partner_access", scope="billing")
WITHHELD = CpniAccess(False, reason="no_approval")


def test_lines_follow_their_sections_access_and_usage_needs_a_usage_scope():
    own, usage, section, other = _line(), _line("usage"), _line(section=7), _line(section=8)
    lines = [own, usage, section, other]
    assert visible_lines(lines, SEEN, {7: WITHHELD}) == [own, usage, other]
    assert visible_lines(lines, BILLING_ONLY) == [own, section, other]
    assert visible_lines(lines, SEEN, {8: BILLING_ONLY}) == lines
    assert visible_lines([_line("usage", 8)], SEEN, {8: BILLING_ONLY}) == []


def test_no_line_shows_without_access_to_the_invoices_own_account():
    assert visible_lines([_line(), _line(section=7)], WITHHELD, {7: SEEN}) == []


def _charged(description, section=None, kind="recurring"):
    return SimpleNamespace(kind=kind, description=description, call_type=None,
                           jurisdiction=None, sub_account_id=section,
                           quantity=Decimal("1"), unit_price=Decimal("5.00"), amount_minor=500,
                           rate_unit=None, call_count=None)


@pytest.mark.parametrize(("wholesale", "shown"), [(True, ["own"]), (False, ["own", "site"])])
def test_a_dispute_list_withholds_end_customer_sections_it_did_not_look_up(wholesale, shown):
    """The API list asks no end customer's approval: on a rebiller's invoice their lines
    are left out (a corporate's locations are the invoice's own), by the same line rule."""
    dispute = SimpleNamespace(
        currency="USD", invoice=SimpleNamespace(customer=SimpleNamespace(is_wholesale=wholesale)),
        lines=[_charged("own"), _charged("site", section=7), _charged("calls", kind="usage")])
    lines = presenters.FIELD_VALUES["lines"](dispute, BILLING_ONLY)
    assert [line["description"] for line in lines] == shown


# --- no ORM object with CPNI reaches a dispute template ------------------------------------

@contextmanager
def rendered(app):
    seen = []

    def record(sender, template, context, **extra):
        seen.append((template.name, context))

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


def _orm_objects(value, found, depth=0):
    if depth > 6:
        return
    if isinstance(value, CPNI_MODELS):
        found.append(type(value).__name__)
    elif isinstance(value, dict):
        for item in value.values():
            _orm_objects(item, found, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _orm_objects(item, found, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _orm_objects(getattr(value, field.name), found, depth + 1)


@pytest.mark.parametrize(("user", "urls"), [
    ("channel_admin", ["/partner/disputes", "/partner/disputes/{d}",
                       "/partner/invoices/{i}/dispute"]),
    ("customer_admin", ["/customer/disputes", "/customer/disputes/{d}"]),
    ("staff", ["/staff/disputes/?state=settled", "/staff/disputes/{d}"]),
])
def test_dispute_templates_get_no_orm_object_that_carries_cpni(app, login_as, settled, user,
                                                                urls):
    client = login_as(user)
    for url in urls:
        with rendered(app) as seen:
            response = client.get(url.format(d=settled.id, i=settled.invoice_id))
        assert response.status_code == 200, url
        names = [name for name, _ in seen if name.startswith("disputes/")]
        assert names, url
        for name, context in seen:
            found = []
            _orm_objects({k: v for k, v in context.items() if k != "current_user"}, found)
            assert not found, (url, name, found)
