"""cpni disclosure log: entries sealed after the request, keyed, append-only in the database

Revision ID: a7c3e91d5b20
Revises: 5e7a1c3d9b20
Create Date: 2026-12-05 14:20:00.000000

Requests now insert disclosures unsealed (sequence and hashes NULL) and a sealer numbers
and chains them with an HMAC under AUDIT_LOG_KEY (billing/cpni/audit.py), so the three
columns become nullable.

The entries logged so far were chained with the public SHA-256 formula, which anyone with
database access can recompute. They are unsealed here, in id order as before, and the
chain head reset, so the first seal after the upgrade chains them again under the key and
writes the first checkpoint (run `flask --app wsgi audit seal` right after upgrading).

Then the triggers: the table refuses DELETE (and TRUNCATE on PostgreSQL) and every
UPDATE except sealing, which only fills in sequence, previous_hash and entry_hash of an
entry whose sequence is NULL, all three at once, changing no other column. As with the
invoice triggers (9d2c4e6f1a03) there is no switch to turn this off; tests/cleanup.py goes
around them the way only an administrator can.
"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = 'a7c3e91d5b20'
down_revision = '5e7a1c3d9b20'
branch_labels = None
depends_on = None

FROZEN = ("id", "customer_id", "user_id", "partner_id", "surface", "purpose", "subject",
          "verification", "occurred_at")
SEALS = ("sequence", "previous_hash", "entry_hash")
DELETE_REFUSED = "the CPNI disclosure log is append-only: entries cannot be deleted"
UPDATE_REFUSED = "the CPNI disclosure log is append-only: only sealing may update an entry"


def _not_a_seal(distinct: str, null: str, not_null: str) -> str:
    changed = " OR ".join(distinct.format(name=name) for name in FROZEN)
    return (f"OLD.sequence {not_null} OR " + " OR ".join(f"NEW.{name} {null}" for name in SEALS)
            + f" OR {changed}")


PG_REFUSE = _not_a_seal("NEW.{name} IS DISTINCT FROM OLD.{name}", "IS NULL", "IS NOT NULL")
SQLITE_REFUSE = _not_a_seal("NEW.{name} IS NOT OLD.{name}", "IS NULL", "IS NOT NULL")

SQLITE_TRIGGERS = {
    "cpni_disclosure_is_kept": f"""
        BEFORE DELETE ON cpni_disclosure FOR EACH ROW
        BEGIN SELECT RAISE(ABORT, '{DELETE_REFUSED}'); END""",
    "cpni_disclosure_only_sealed": f"""
        BEFORE UPDATE ON cpni_disclosure FOR EACH ROW WHEN {SQLITE_REFUSE}
        BEGIN SELECT RAISE(ABORT, '{UPDATE_REFUSED}'); END""",
}


def _upgrade_postgresql():
    op.execute(f"""
        CREATE FUNCTION cpni_disclosure_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF NOT ({PG_REFUSE}) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{UPDATE_REFUSED} (id %)', OLD.id USING ERRCODE = '23000';
            END IF;
            RAISE EXCEPTION '{DELETE_REFUSED}' USING ERRCODE = '23000';
        END $$""")
    op.execute("CREATE TRIGGER cpni_disclosure_append_only BEFORE UPDATE OR DELETE "
               "ON cpni_disclosure FOR EACH ROW EXECUTE FUNCTION cpni_disclosure_append_only()")
    op.execute("CREATE TRIGGER cpni_disclosure_truncate_refused BEFORE TRUNCATE "
               "ON cpni_disclosure FOR EACH STATEMENT "
               "EXECUTE FUNCTION cpni_disclosure_append_only()")


def upgrade():
    with op.batch_alter_table('cpni_disclosure', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64),
                              nullable=True)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64),
                              nullable=True)
    op.execute("UPDATE cpni_disclosure SET sequence = NULL, previous_hash = NULL, "
               "entry_hash = NULL")
    op.execute("DELETE FROM audit_chain_head WHERE chain = 'cpni_disclosure'")
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
        return
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade():
    """Back to the unkeyed chain in one go: drop the triggers, number and chain every
    entry with the public formula in id order, as migration 653042105b54 did."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER cpni_disclosure_truncate_refused ON cpni_disclosure")
        op.execute("DROP TRIGGER cpni_disclosure_append_only ON cpni_disclosure")
        op.execute("DROP FUNCTION cpni_disclosure_append_only()")
    else:
        for name in reversed(SQLITE_TRIGGERS):
            op.execute(f"DROP TRIGGER {name}")
    op.execute("UPDATE cpni_disclosure SET sequence = NULL, previous_hash = NULL, "
               "entry_hash = NULL")
    op.execute("DELETE FROM audit_chain_head WHERE chain = 'cpni_disclosure'")
    _chain_with_the_public_formula()
    with op.batch_alter_table('cpni_disclosure', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64),
                              nullable=False)


def _chain_with_the_public_formula():
    from billing.cpni.audit import CHAIN, CONTENT, GENESIS, chain_hash

    disclosure = sa.table('cpni_disclosure', sa.column('id'),
                          *[sa.column(name) for name in CONTENT[1:-1]],
                          sa.column('verification'),
                          sa.column('occurred_at', billing.core.db.UTCDateTime()),
                          *[sa.column(name) for name in SEALS])
    connection = op.get_bind()
    rows = connection.execute(sa.select(disclosure).order_by(disclosure.c.id)).mappings()
    updates, last_hash = [], GENESIS
    for sequence, row in enumerate(rows, 1):
        entry_hash = chain_hash({**row, 'sequence': sequence}, last_hash)
        updates.append({'row_id': row['id'], 'seq': sequence, 'prev': last_hash,
                        'hash': entry_hash})
        last_hash = entry_hash
    if updates:
        connection.execute(
            disclosure.update().where(disclosure.c.id == sa.bindparam('row_id'))
            .values(sequence=sa.bindparam('seq'), previous_hash=sa.bindparam('prev'),
                    entry_hash=sa.bindparam('hash')), updates)
    head = sa.table('audit_chain_head', sa.column('chain'), sa.column('last_sequence'),
                    sa.column('last_hash'))
    connection.execute(head.insert().values(chain=CHAIN, last_sequence=len(updates),
                                            last_hash=last_hash))
