"""Invoice and statement PDFs built as a worker would: in a thread with no Flask app or
request context at all and a plain SQLAlchemy session, then opened and read.

Any read of request, session, g, current_user or current_app on the way would raise
"working outside of application context" here.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from flask import has_app_context, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.cpni.models import CpniDisclosure
from billing.invoicing.models import Invoice
from billing.parties.models import Customer
from billing.parties.users import User
from portal.invoicing.viewer import Viewer
from reports.documents import DocumentSettings, invoice_document, statement_document
from tests.factories import CPNI_MARKERS, NOW, approve
from tests.pdf.pdftext import pdf_text

FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture
def settings(tmp_path):
    return DocumentSettings("Northwind Unified Communications", "Denver", tmp_path / "pdf")


def in_a_worker(db, work):
    """Run work(session) in a fresh thread on its own plain session; commit after."""
    outcome, engine = {}, db.engine

    def run():
        try:
            assert not has_app_context() and not has_request_context()
            with Session(engine) as session:
                outcome["value"] = work(session)
                session.commit()
        except BaseException as error:  # handed back to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _invoice_text(db, world, settings, user_key, locale="en_US"):
    user_id, invoice_id = world.users[user_key].id, world.invoices["channel"].id

    def work(session):
        user, invoice = session.get(User, user_id), session.get(Invoice, invoice_id)
        return invoice_document(session, Viewer(user), invoice, locale=locale, now=NOW,
                                settings=settings)
    return " ".join(pdf_text(in_a_worker(db, work)).split())


def _statement_text(db, world, settings, user_key):
    user_id, customer_id = world.users[user_key].id, world.customers["channel"].id

    def work(session):
        user, customer = session.get(User, user_id), session.get(Customer, customer_id)
        return statement_document(session, Viewer(user), customer, *FEBRUARY,
                                  locale="en_US", now=NOW, settings=settings)
    return " ".join(pdf_text(in_a_worker(db, work)).split())


def test_invoice_pdf_without_a_request_withholds_charges_from_an_unapproved_partner(
        db, world, settings):
    text = _invoice_text(db, world, settings, "channel_admin")
    assert world.invoices["channel"].number in text and "Channel Customer" in text
    assert "Charges withheld" in text and "has not approved access" in text
    for hidden in CPNI_MARKERS:
        assert hidden not in text, hidden


def test_invoice_pdf_without_a_request_shows_the_customer_its_charges(db, world, settings):
    text = _invoice_text(db, world, settings, "customer_admin")
    assert "QUOKKA-LINE-4410" in text and "$8,642.19" in text
    assert "Charges withheld" not in text


def test_statement_pdf_without_a_request_withholds_amounts_from_an_unapproved_partner(
        db, world, settings):
    text = _statement_text(db, world, settings, "channel_admin")
    assert "AC-0001" in text and "Channel Customer" in text and "Feb 1, 2026" in text
    assert "Amounts withheld" in text
    for hidden in (*CPNI_MARKERS, world.invoices["channel"].number, "Opening balance"):
        assert hidden not in text, hidden


def test_statement_pdf_without_a_request_shows_the_customer_its_figures(db, world, settings):
    text = _statement_text(db, world, settings, "customer_admin")
    for expected in (world.invoices["channel"].number, "Opening balance", "$8,642.19"):
        assert expected in text, expected
    assert "Amounts withheld" not in text


def test_an_approved_partners_document_logs_one_pdf_disclosure(db, session, world, settings):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    text = _invoice_text(db, world, settings, "channel_admin")
    assert "$8,642.19" in text
    logged = session.scalars(select(CpniDisclosure)).one()
    assert (logged.surface, logged.purpose, logged.customer_id, logged.subject) == (
        "pdf", "partner_access", world.customers["channel"].id,
        f"invoice {world.invoices['channel'].number} PDF")


def test_the_disclosure_is_left_for_the_caller_to_commit(db, session, world, settings):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    user_id, customer_id = world.users["channel_admin"].id, world.customers["channel"].id
    with Session(db.engine) as plain:
        user, customer = plain.get(User, user_id), plain.get(Customer, customer_id)
        statement_document(plain, Viewer(user), customer, *FEBRUARY, locale="en_US",
                           now=NOW, settings=settings)
        assert plain.scalars(select(CpniDisclosure)).one().surface == "pdf"
        plain.rollback()
    assert session.scalars(select(CpniDisclosure)).all() == []


def test_staff_see_figures_only_for_a_purpose_the_viewer_carries(db, world, settings):
    user_id, invoice_id = world.users["staff"].id, world.invoices["channel"].id

    def text_for(purposes):
        def work(session):
            user, invoice = session.get(User, user_id), session.get(Invoice, invoice_id)
            return invoice_document(session, Viewer(user, purposes), invoice,
                                    locale="en_US", now=NOW, settings=settings)
        return " ".join(pdf_text(in_a_worker(db, work)).split())

    assert "State the purpose" in text_for({})
    assert "QUOKKA-LINE-4410" in text_for({world.customers["channel"].id: "billing"})
    assert "QUOKKA-LINE-4410" not in text_for({world.customers["channel"].id: "curiosity"})


def test_a_rebillers_end_customer_document_carries_the_rebillers_brand(db, world, settings):
    user_id, customer_id = world.users["staff"].id, world.customers["wholesale"].id

    def work(session):
        user, customer = session.get(User, user_id), session.get(Customer, customer_id)
        return statement_document(session, Viewer(user, {customer.id: "billing"}), customer,
                                  *FEBRUARY, locale="en_US", now=NOW, settings=settings)
    text = pdf_text(in_a_worker(db, work))
    assert text.index("Rebill Voice") < text.index("Northwind")


def test_issued_invoice_documents_are_kept_and_reused(db, world, settings):
    first = _invoice_text(db, world, settings, "customer_admin")
    stored = list(settings.cache_dir.glob("invoice-*.pdf"))
    assert len(stored) == 1
    assert _invoice_text(db, world, settings, "customer_admin") == first
    assert list(settings.cache_dir.glob("invoice-*.pdf")) == stored
