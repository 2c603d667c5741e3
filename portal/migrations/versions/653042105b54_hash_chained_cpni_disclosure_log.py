"""hash-chained cpni disclosure log

Revision ID: 653042105b54
Revises: 15e7e69761fe
Create Date: 2026-11-23 01:28:04.067440

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = '653042105b54'
down_revision = '15e7e69761fe'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('chain', sa.String(length=32), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('chain', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('cpni_disclosure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('previous_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    chain_existing_entries()
    with op.batch_alter_table('cpni_disclosure', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('previous_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_cpni_disclosure_sequence'), ['sequence'])


def chain_existing_entries():
    """Number and chain the entries logged so far, in id order, as the writer would have."""
    # The live formula: it may never change, or every existing hash would break.
    from billing.cpni.audit import CHAIN, CONTENT, GENESIS, chain_hash

    disclosure = sa.table('cpni_disclosure', sa.column('id', sa.Integer()),
                          *[sa.column(name) for name in CONTENT[1:-1]],
                          sa.column('occurred_at', billing.core.db.UTCDateTime()),
                          sa.column('sequence'), sa.column('previous_hash'),
                          sa.column('entry_hash'))
    connection = op.get_bind()
    rows = connection.execute(sa.select(disclosure).order_by(disclosure.c.id)).mappings()
    updates, last_hash = [], GENESIS
    for sequence, row in enumerate(rows, 1):
        entry = {**row, 'sequence': sequence}
        updates.append({'row_id': row['id'], 'sequence': sequence, 'previous_hash': last_hash,
                        'entry_hash': chain_hash(entry, last_hash)})
        last_hash = updates[-1]['entry_hash']
    if updates:
        connection.execute(
            disclosure.update().where(disclosure.c.id == sa.bindparam('row_id'))
            .values(sequence=sa.bindparam('sequence'),
                    previous_hash=sa.bindparam('previous_hash'),
                    entry_hash=sa.bindparam('entry_hash')),
            updates)
    head = sa.table('audit_chain_head', sa.column('chain'), sa.column('last_sequence'),
                    sa.column('last_hash'))
    connection.execute(head.insert().values(chain=CHAIN, last_sequence=len(updates),
                                            last_hash=last_hash))


def downgrade():
    with op.batch_alter_table('cpni_disclosure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_cpni_disclosure_sequence'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('previous_hash')
        batch_op.drop_column('sequence')

    op.drop_table('audit_chain_head')
