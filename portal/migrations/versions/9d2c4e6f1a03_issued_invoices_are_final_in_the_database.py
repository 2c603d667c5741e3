"""issued invoices are final in the database too: triggers on invoice and invoice_line

Revision ID: 9d2c4e6f1a03
Revises: 6b340f4ee9c1
Create Date: 2026-12-05 10:40:00.000000

The ORM guard (billing/invoicing/immutability.py) stops the application's own flushes and
bulk statements; these triggers stop everything else that reaches the database: raw SQL, a
console, another program. Once an invoice leaves draft:

- its status moves only along the table in billing/invoicing/status.py (copied below:
  a migration must not import code that changes after it), never back to draft;
- every other column is fixed, except the amount paid, which a void invoice keeps too;
- neither it nor its lines may be deleted, and its lines may not be updated (nor a line of
  a draft moved onto it).

Adding a line to an issued invoice with a raw INSERT is not refused here: the suite's
factories insert issued invoices with their lines, and the ORM guard refuses it.

PostgreSQL: plpgsql functions behind BEFORE UPDATE OR DELETE row triggers, with SQLSTATE
23000 so that drivers report an integrity error as SQLite does; the line trigger locks its
invoice FOR SHARE, so a line edit waits for a concurrent issue and then sees it. TRUNCATE,
which fires no row triggers, is refused by a statement trigger.

SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT, ...). A later migration
that rebuilds invoice or invoice_line in batch mode (copy and move) drops these triggers
with the old table: it must create them again (tests/integration/test_invoice_triggers.py
checks they exist at the head).

There is no switch to turn the rule off, not even a session setting, since a switch is
one more thing an application bug could set. Emptying the tables between tests therefore
goes around the triggers the way only an administrator can (tests/cleanup.py): on
PostgreSQL, `session_replication_role = replica`, which needs a superuser (the portal's
own role is not one); on SQLite, dropping the delete triggers and creating them again from
their stored definitions, in the same transaction as the deletes.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d2c4e6f1a03'
down_revision = '6b340f4ee9c1'
branch_labels = None
depends_on = None

# As in billing/invoicing/status.py at this revision.
MOVES = ("draft>issued", "issued>partially_paid", "issued>paid", "issued>void",
         "partially_paid>issued", "partially_paid>paid", "paid>partially_paid", "paid>issued")
FROZEN = ("id", "number", "customer_id", "period_start", "period_end", "issue_date",
          "due_date", "currency", "subtotal_minor", "tax_minor", "credit_minor", "total_minor",
          "bill_to", "created_at", "issued_at")
ALLOWED = ", ".join(f"'{move}'" for move in MOVES)
STATUS_REFUSED = "invoice status may only move along the table of allowed transitions"
CHANGE_REFUSED = "an issued invoice cannot change"
DELETE_REFUSED = "an issued invoice cannot be deleted"
LINE_REFUSED = "the lines of an issued invoice cannot change or be deleted"


def _pg_changed() -> str:
    # json has no equality operator on PostgreSQL: the snapshot is compared as text.
    def column(row, name):
        return f"{row}.{name}::text" if name == "bill_to" else f"{row}.{name}"

    new = ", ".join(column("NEW", name) for name in FROZEN)
    old = ", ".join(column("OLD", name) for name in FROZEN)
    return f"ROW({new}) IS DISTINCT FROM ROW({old})"


def _sqlite_changed() -> str:
    return " OR ".join(f"NEW.{name} IS NOT OLD.{name}" for name in FROZEN)


def _upgrade_postgresql():
    op.execute(f"""
        CREATE FUNCTION invoice_issued_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.status <> 'draft' THEN
                    RAISE EXCEPTION '{DELETE_REFUSED} (%)', OLD.number USING ERRCODE = '23000';
                END IF;
                RETURN OLD;
            END IF;
            IF NEW.status <> OLD.status AND OLD.status || '>' || NEW.status NOT IN ({ALLOWED}) THEN
                RAISE EXCEPTION '{STATUS_REFUSED} (% from % to %)', OLD.number, OLD.status,
                    NEW.status USING ERRCODE = '23000';
            END IF;
            IF OLD.status <> 'draft' AND ({_pg_changed()}
                    OR (OLD.status = 'void' AND NEW.paid_minor <> OLD.paid_minor)) THEN
                RAISE EXCEPTION '{CHANGE_REFUSED} (%)', OLD.number USING ERRCODE = '23000';
            END IF;
            RETURN NEW;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION invoice_line_issued_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            moved_to integer;
            parent record;
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                moved_to := NEW.invoice_id;
            END IF;
            FOR parent IN
                SELECT number, status FROM invoice WHERE id IN (OLD.invoice_id, moved_to)
                ORDER BY id FOR SHARE
            LOOP
                IF parent.status <> 'draft' THEN
                    RAISE EXCEPTION '{LINE_REFUSED} (%)', parent.number
                        USING ERRCODE = '23000';
                END IF;
            END LOOP;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END $$""")
    op.execute("""
        CREATE FUNCTION invoice_truncate_refused() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'invoices and their lines cannot be truncated'
                USING ERRCODE = '23000';
        END $$""")
    op.execute("CREATE TRIGGER invoice_issued_is_final BEFORE UPDATE OR DELETE ON invoice "
               "FOR EACH ROW EXECUTE FUNCTION invoice_issued_is_final()")
    op.execute("CREATE TRIGGER invoice_line_issued_is_final BEFORE UPDATE OR DELETE "
               "ON invoice_line FOR EACH ROW EXECUTE FUNCTION invoice_line_issued_is_final()")
    for table in ("invoice", "invoice_line"):
        op.execute(f"CREATE TRIGGER {table}_truncate_refused BEFORE TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION invoice_truncate_refused()")


def _downgrade_postgresql():
    for table in ("invoice", "invoice_line"):
        op.execute(f"DROP TRIGGER {table}_truncate_refused ON {table}")
    op.execute("DROP TRIGGER invoice_line_issued_is_final ON invoice_line")
    op.execute("DROP TRIGGER invoice_issued_is_final ON invoice")
    for function in ("invoice_truncate_refused", "invoice_line_issued_is_final",
                     "invoice_issued_is_final"):
        op.execute(f"DROP FUNCTION {function}()")


SQLITE_TRIGGERS = {
    "invoice_status_follows_the_table": f"""
        BEFORE UPDATE OF status ON invoice FOR EACH ROW
        WHEN NEW.status IS NOT OLD.status AND OLD.status || '>' || NEW.status NOT IN ({ALLOWED})
        BEGIN SELECT RAISE(ABORT, '{STATUS_REFUSED}'); END""",
    "invoice_issued_is_final": f"""
        BEFORE UPDATE ON invoice FOR EACH ROW
        WHEN OLD.status <> 'draft' AND ({_sqlite_changed()}
            OR (OLD.status = 'void' AND NEW.paid_minor IS NOT OLD.paid_minor))
        BEGIN SELECT RAISE(ABORT, '{CHANGE_REFUSED}'); END""",
    "invoice_issued_is_kept": f"""
        BEFORE DELETE ON invoice FOR EACH ROW WHEN OLD.status <> 'draft'
        BEGIN SELECT RAISE(ABORT, '{DELETE_REFUSED}'); END""",
    "invoice_line_issued_is_final": f"""
        BEFORE UPDATE ON invoice_line FOR EACH ROW
        WHEN EXISTS (SELECT 1 FROM invoice
                     WHERE id IN (OLD.invoice_id, NEW.invoice_id) AND status <> 'draft')
        BEGIN SELECT RAISE(ABORT, '{LINE_REFUSED}'); END""",
    "invoice_line_issued_is_kept": f"""
        BEFORE DELETE ON invoice_line FOR EACH ROW
        WHEN EXISTS (SELECT 1 FROM invoice WHERE id = OLD.invoice_id AND status <> 'draft')
        BEGIN SELECT RAISE(ABORT, '{LINE_REFUSED}'); END""",
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
        return
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgresql()
        return
    for name in reversed(SQLITE_TRIGGERS):
        op.execute(f"DROP TRIGGER {name}")
