"""A statement names the product of an SLA credit in its reader's language."""

from __future__ import annotations

from sqlalchemy import select

from billing.catalog.models import Product
from tests.pdf import test_statement_pdf as statements

sla_credit = statements.sla_credit  # January's credit on the seats, on February's statement


def test_a_german_statement_names_the_credited_product_in_german(login_as, session, world,
                                                                sla_credit):
    seat = session.scalars(select(Product).filter_by(code="VOICE-SEAT")).one()
    seat.name_translations = {"de": "Sprachlizenz"}
    world.users["customer_admin"].locale = "de"
    session.commit()
    text = statements._text(login_as("customer_admin"), statements._url(world, "customer"))
    # The SLA credits table; the credit note's own reference keeps the words it was issued
    # with ("2026-01: Voice seat (request 1)"), as an issued document does.
    assert "Januar 2026 Sprachlizenz 3" in text and sla_credit in text


def test_without_a_translation_the_canonical_name_is_shown(login_as, session, world,
                                                           sla_credit):
    world.users["customer_admin"].locale = "fr"
    session.commit()
    text = statements._text(login_as("customer_admin"), statements._url(world, "customer"))
    assert "Voice seat" in text
