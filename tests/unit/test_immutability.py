"""The ORM guard: an issued invoice changes only its payment state, along the status table,
whether through a flush, a bulk statement or an update by primary key; a draft is free."""

import pytest
from sqlalchemy import delete, select, update

from billing.core.errors import InvalidInput
from billing.invoicing.models import Invoice, InvoiceLine
from tests.factories import another_period_end, make_invoice
from tests.unit.test_invoice_status import EXPECTED_MOVES

FORBIDDEN_MOVES = [("issued", "draft"), ("paid", "draft"), ("partially_paid", "draft"),
                   ("void", "draft"), ("void", "issued"), ("void", "paid"),
                   ("draft", "paid"), ("partially_paid", "void"), ("paid", "void")]


def _invoice(session, world, status, number=None):
    invoice = make_invoice(session, world.customers["channel"], number or f"T-{status}",
                           status=status, period_end=another_period_end())
    session.commit()
    return invoice


def _status_in_database(session, invoice_id):
    session.expire_all()
    return session.scalar(select(Invoice.status).where(Invoice.id == invoice_id))


@pytest.mark.parametrize(("old", "new"), sorted(EXPECTED_MOVES))
def test_each_allowed_move_passes_the_orm_guard_and_the_database(session, world, old, new):
    invoice = _invoice(session, world, old)
    invoice.status = new
    session.commit()
    assert _status_in_database(session, invoice.id) == new


@pytest.mark.parametrize(("old", "new"), FORBIDDEN_MOVES)
def test_a_forbidden_move_is_refused_on_flush(session, world, old, new):
    invoice = _invoice(session, world, old)
    invoice.status = new
    with pytest.raises(InvalidInput, match=f"from {old} to {new}"):
        session.flush()
    session.rollback()
    assert _status_in_database(session, invoice.id) == old


@pytest.mark.parametrize(("old", "new"), FORBIDDEN_MOVES)
def test_a_forbidden_move_is_refused_as_a_bulk_update(session, world, old, new):
    invoice = _invoice(session, world, old)
    with pytest.raises(InvalidInput, match=f"from {old} to {new}"):
        session.execute(update(Invoice).where(Invoice.id == invoice.id).values(status=new))
    session.rollback()
    assert _status_in_database(session, invoice.id) == old


def test_a_forbidden_move_is_refused_as_an_update_by_primary_key(session, world):
    invoice = _invoice(session, world, "issued")
    with pytest.raises(InvalidInput, match="from issued to draft"):
        session.execute(update(Invoice), [{"id": invoice.id, "status": "draft"}])
    session.rollback()
    assert _status_in_database(session, invoice.id) == "issued"


def test_a_bulk_move_along_the_table_passes(session, world):
    invoice = _invoice(session, world, "issued")
    session.execute(update(Invoice).where(Invoice.id == invoice.id)
                    .values(status="partially_paid", paid_minor=Invoice.paid_minor + 100))
    session.commit()
    assert _status_in_database(session, invoice.id) == "partially_paid"


def test_a_bulk_status_it_cannot_read_is_refused(session, world):
    invoice = _invoice(session, world, "issued")
    with pytest.raises(InvalidInput, match="must name the status"):
        session.execute(update(Invoice).where(Invoice.id == invoice.id)
                        .values(status=Invoice.currency))


@pytest.mark.parametrize("values", [{"total_minor": 1}, {"number": "INV-X"},
                                    {"customer_id": 1}, {"bill_to": {"name": "Someone"}}])
def test_a_bulk_update_of_an_issued_invoice_is_refused(session, world, values):
    _invoice(session, world, "issued")
    with pytest.raises(InvalidInput, match="is issued and cannot change"):
        session.execute(update(Invoice).where(Invoice.status != "draft").values(**values))


def test_a_bulk_update_that_reaches_one_issued_invoice_among_drafts_is_refused(session, world):
    _invoice(session, world, "draft", "T-draft-1")
    _invoice(session, world, "issued")
    with pytest.raises(InvalidInput):
        session.execute(update(Invoice).values(total_minor=0))


def test_a_void_invoice_keeps_its_paid_amount(session, world):
    invoice = _invoice(session, world, "void")
    with pytest.raises(InvalidInput):
        session.execute(update(Invoice).where(Invoice.id == invoice.id)
                        .values(paid_minor=Invoice.paid_minor + 1))
    session.rollback()
    invoice.paid_minor = 1
    with pytest.raises(InvalidInput):
        session.flush()


def test_the_lines_of_an_issued_invoice_refuse_bulk_changes(session, world):
    invoice = _invoice(session, world, "paid")
    statements = [update(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                  .values(amount_minor=1),
                  delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id),
                  delete(Invoice).where(Invoice.id == invoice.id)]
    for statement in statements:
        with pytest.raises(InvalidInput, match="T-paid"):
            session.execute(statement)
        session.rollback()
    assert len(session.get(Invoice, invoice.id).lines) == 2


def test_a_line_moved_onto_an_issued_invoice_is_refused(session, world):
    draft, issued = _invoice(session, world, "draft"), _invoice(session, world, "issued")
    line_id = draft.lines[0].id
    with pytest.raises(InvalidInput, match="T-issued"):
        session.execute(update(InvoiceLine).where(InvoiceLine.id == line_id)
                        .values(invoice_id=issued.id))
    session.rollback()
    session.get(InvoiceLine, line_id).invoice = issued
    with pytest.raises(InvalidInput, match="T-issued"):
        session.flush()


def test_a_line_moved_by_its_invoice_id_onto_an_issued_invoice_is_refused(session, world):
    draft, issued = _invoice(session, world, "draft"), _invoice(session, world, "issued")
    draft.lines[0].invoice_id = issued.id
    with pytest.raises(InvalidInput, match="T-issued"):
        session.flush()


def test_a_line_added_to_an_issued_invoice_by_its_id_is_refused(session, world):
    issued = _invoice(session, world, "issued")
    session.add(InvoiceLine(invoice_id=issued.id, position=9, kind="fee", description="Fee",
                            quantity=1, unit_price=1, amount_minor=100))
    with pytest.raises(InvalidInput, match="T-issued"):
        session.flush()


def test_a_line_taken_off_an_issued_invoice_is_refused(session, world):
    draft, issued = _invoice(session, world, "draft"), _invoice(session, world, "issued")
    issued.lines[0].invoice = draft
    with pytest.raises(InvalidInput, match="T-issued"):
        session.flush()


def test_a_draft_can_still_be_edited_and_deleted_freely(session, world):
    draft = _invoice(session, world, "draft")
    draft.total_minor, draft.currency, draft.bill_to = 5, "EUR", {"name": "New name"}
    draft.lines[0].amount_minor = 5
    session.commit()
    session.execute(update(Invoice).where(Invoice.id == draft.id).values(subtotal_minor=5))
    session.execute(update(InvoiceLine).where(InvoiceLine.invoice_id == draft.id)
                    .values(description="Edited"))
    session.commit()
    session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == draft.id))
    session.execute(delete(Invoice).where(Invoice.id == draft.id))
    session.commit()
    assert session.get(Invoice, draft.id) is None


def test_a_paid_invoice_may_be_reopened_by_a_refund(session, world):
    invoice = _invoice(session, world, "paid")
    invoice.status, invoice.paid_minor = "issued", 0
    session.commit()
    assert _status_in_database(session, invoice.id) == "issued"
