"""invoice run slices: a drafting pass spread over Celery workers

Revision ID: 788e424d3600
Revises: c4e1a7d93f20
Create Date: 2026-12-05 16:16:01

Issue 17. Workers draft a run side by side, a slice of accounts each; a slice is marked
done in the transaction that drafts it, so a task delivered twice (a worker died before
acknowledging it) counts its accounts once.

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = '788e424d3600'
down_revision = 'c4e1a7d93f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invoice_run_slice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.Column('done_at', billing.core.db.UTCDateTime(), nullable=True),
    sa.Column('drafted', sa.Integer(), nullable=False),
    sa.Column('failures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['invoice_run.id'], name=op.f('fk_invoice_run_slice_run_id_invoice_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_run_slice')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('invoice_run_slice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_run_slice_run_id'), ['run_id'], unique=False)


def downgrade():
    with op.batch_alter_table('invoice_run_slice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_run_slice_run_id'))

    op.drop_table('invoice_run_slice')
