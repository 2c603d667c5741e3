"""reconciliation run: one record per kind and inputs

Revision ID: b3d8f2a61c47
Revises: 4c7e2a91d5b0
Create Date: 2026-12-05 16:20:00

Issue 14. Payment and rebiller reconciliations leave the same kind of record: inputs,
who, progress, figures per class. The unique (kind, input_key) makes a second start of
the same inputs find the first run instead of recording another.

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = 'b3d8f2a61c47'
down_revision = '4c7e2a91d5b0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reconciliation_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('input_key', sa.String(length=200), nullable=False),
        sa.Column('input_label', sa.String(length=300), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=True),
        sa.Column('period_start', sa.Date(), nullable=True),
        sa.Column('period_end', sa.Date(), nullable=True),
        sa.Column('window_start', billing.core.db.UTCDateTime(), nullable=True),
        sa.Column('window_end', billing.core.db.UTCDateTime(), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('started_by', sa.String(length=200), nullable=False),
        sa.Column('started_at', billing.core.db.UTCDateTime(), nullable=False),
        sa.Column('finished_at', billing.core.db.UTCDateTime(), nullable=True),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('progress_at', billing.core.db.UTCDateTime(), nullable=True),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('failure', sa.String(length=500), nullable=False),
        sa.CheckConstraint("kind IN ('payments', 'rebiller')",
                           name=op.f('ck_reconciliation_run_kind')),
        sa.CheckConstraint("state IN ('running', 'done', 'failed')",
                           name=op.f('ck_reconciliation_run_state')),
        sa.ForeignKeyConstraint(['partner_id'], ['partner.id'],
                                name=op.f('fk_reconciliation_run_partner_id_partner')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_run')),
        sa.UniqueConstraint('kind', 'input_key', name=op.f('uq_reconciliation_run_kind_input_key')),
    )
    with op.batch_alter_table('reconciliation_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_run_partner_id'), ['partner_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('reconciliation_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_run_partner_id'))
    op.drop_table('reconciliation_run')
