"""The database itself keeps issued invoices final: raw SQL, which no ORM guard sees, is
refused by triggers on SQLite and on PostgreSQL alike (run this file with and without
TEST_DATABASE_URL)."""

from itertools import product

import flask_migrate
import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from billing.invoicing.models import INVOICE_STATUSES, Invoice, InvoiceLine
from billing.invoicing.status import PAYMENT_STATE, may_move
from tests.factories import another_period_end, make_invoice

TRIGGERS = {
    "sqlite": {"invoice_status_follows_the_table", "invoice_issued_is_final",
               "invoice_issued_is_kept", "invoice_line_issued_is_final",
               "invoice_line_issued_is_kept"},
    "postgresql": {"invoice_issued_is_final", "invoice_line_issued_is_final",
                   "invoice_truncate_refused", "invoice_line_truncate_refused"},
}
BEFORE_TRIGGERS = "6b340f4ee9c1"
# One raw change for each column that is fixed once the invoice is issued.
FROZEN_CHANGES = {
    "id": "id + 1000000",
    "number": "'CHANGED-000001'",
    "customer_id": "(SELECT min(id) FROM customer WHERE id <> invoice.customer_id)",
    "period_start": "'2020-01-01'",
    "period_end": "'2020-01-24'",  # never a period end (the 25th): always a change
    "issue_date": "'2020-01-02'",
    "due_date": "'2020-02-01'",
    "currency": "'EUR'",
    "subtotal_minor": "subtotal_minor + 1",
    "tax_minor": "tax_minor + 1",
    "credit_minor": "credit_minor + 1",
    "total_minor": "total_minor + 1",
    "bill_to": """'{"name": "Someone Else"}'""",
    "created_at": "'2020-01-01 00:00:00+00:00'",
    "issued_at": "'2020-01-01 00:00:00+00:00'",
}


def _invoice(session, world, status, number=None):
    invoice = make_invoice(session, world.customers["channel"], number or f"T-{status}",
                           status=status, period_end=another_period_end())
    session.commit()
    return invoice.id


def _raw(session, sql, **params):
    session.execute(text(sql), params)
    session.flush()


def _refused(session, sql, match, **params):
    with pytest.raises(sa.exc.IntegrityError, match=match):
        _raw(session, sql, **params)
    session.rollback()


def _triggers(connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        query = ("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                 "AND tgrelid IN ('invoice'::regclass, 'invoice_line'::regclass)")
    else:
        query = ("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                 "AND tbl_name IN ('invoice', 'invoice_line')")
    return set(connection.scalars(text(query)))


@pytest.mark.parametrize(("old", "new"), list(product(INVOICE_STATUSES, repeat=2)))
def test_raw_status_moves_follow_the_domain_table(session, world, old, new):
    invoice_id = _invoice(session, world, old)
    sql = "UPDATE invoice SET status = :new WHERE id = :id"
    if may_move(old, new):
        _raw(session, sql, new=new, id=invoice_id)
        session.commit()
        assert session.scalar(select(Invoice.status).where(Invoice.id == invoice_id)) == new
    else:
        _refused(session, sql, "only move along the table", new=new, id=invoice_id)


def test_every_column_but_the_payment_state_is_covered_below():
    assert set(FROZEN_CHANGES) == {c.name for c in Invoice.__table__.columns} - PAYMENT_STATE


@pytest.mark.parametrize("status", ["issued", "partially_paid", "paid", "void"])
@pytest.mark.parametrize("column", sorted(FROZEN_CHANGES))
def test_raw_sql_cannot_change_an_issued_invoice(session, world, column, status):
    invoice_id = _invoice(session, world, status)
    _refused(session, f"UPDATE invoice SET {column} = {FROZEN_CHANGES[column]} WHERE id = :id",
             "an issued invoice cannot change", id=invoice_id)


def test_raw_sql_may_record_a_payment_but_not_on_a_void_invoice(session, world):
    issued, void = _invoice(session, world, "issued"), _invoice(session, world, "void")
    _raw(session, "UPDATE invoice SET paid_minor = 100, status = 'partially_paid' "
                  "WHERE id = :id", id=issued)
    session.commit()
    _refused(session, "UPDATE invoice SET paid_minor = 100 WHERE id = :id",
             "an issued invoice cannot change", id=void)


def test_raw_sql_cannot_edit_or_delete_an_issued_invoice_or_its_lines(session, world):
    invoice_id = _invoice(session, world, "issued")
    _refused(session, "UPDATE invoice_line SET amount_minor = amount_minor + 1 "
                      "WHERE invoice_id = :id", "lines of an issued invoice", id=invoice_id)
    _refused(session, "DELETE FROM invoice_line WHERE invoice_id = :id",
             "lines of an issued invoice", id=invoice_id)
    _refused(session, "DELETE FROM invoice WHERE id = :id",
             "an issued invoice cannot be deleted", id=invoice_id)
    assert session.get(Invoice, invoice_id).total_minor == 864219
    assert len(session.get(Invoice, invoice_id).lines) == 2


def test_raw_sql_cannot_move_a_draft_line_onto_an_issued_invoice(session, world):
    draft, issued = _invoice(session, world, "draft"), _invoice(session, world, "issued")
    _refused(session, "UPDATE invoice_line SET invoice_id = :issued WHERE invoice_id = :draft",
             "lines of an issued invoice", issued=issued, draft=draft)


def test_raw_sql_edits_and_deletes_a_draft_freely(session, world):
    draft = _invoice(session, world, "draft")
    _raw(session, "UPDATE invoice SET total_minor = 5, number = 'D-1', currency = 'EUR', "
                  "bill_to = '{}' WHERE id = :id", id=draft)
    _raw(session, "UPDATE invoice_line SET amount_minor = 5 WHERE invoice_id = :id", id=draft)
    session.commit()
    assert session.scalar(select(Invoice.total_minor).where(Invoice.id == draft)) == 5
    _raw(session, "DELETE FROM invoice_line WHERE invoice_id = :id", id=draft)
    _raw(session, "DELETE FROM invoice WHERE id = :id", id=draft)
    session.commit()
    assert session.scalar(select(InvoiceLine.id).where(InvoiceLine.invoice_id == draft)) is None


def test_issuing_a_draft_sets_its_number_dates_and_snapshot_in_one_update(session, world):
    draft = _invoice(session, world, "draft")
    _raw(session, "UPDATE invoice SET status = 'issued', number = 'INV-9', "
                  "issue_date = '2026-03-26', due_date = '2026-04-25', "
                  """bill_to = '{"name": "Snapshot"}' WHERE id = :id""", id=draft)
    session.commit()
    assert session.get(Invoice, draft).number == "INV-9"


@pytest.mark.postgres_only
def test_truncating_invoices_is_refused(session, world):
    session.commit()
    for table in ("invoice_line", "invoice"):
        _refused(session, f"TRUNCATE {table} CASCADE", "cannot be truncated")


def test_the_triggers_exist_at_the_head_revision(db):
    with db.engine.connect() as connection:
        assert _triggers(connection) == TRIGGERS[connection.dialect.name]


def test_the_trigger_migration_downgrades_and_upgrades_again(db):
    db.session.remove()
    try:
        flask_migrate.downgrade(revision=BEFORE_TRIGGERS)
        with db.engine.connect() as connection:
            assert _triggers(connection) == set()
    finally:
        flask_migrate.upgrade()
    with db.engine.connect() as connection:
        assert _triggers(connection) == TRIGGERS[connection.dialect.name]
