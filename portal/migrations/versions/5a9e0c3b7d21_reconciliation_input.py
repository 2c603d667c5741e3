"""reconciliation input: the file a run reads, kept beside the run

Revision ID: 5a9e0c3b7d21
Revises: bec41316d838
Create Date: 2026-12-05 17:35:00

Issue 17. A page-started reconciliation is a worker job, and a worker (perhaps on another
machine) must read the bytes the user uploaded: they are kept in the database with the run.

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = '5a9e0c3b7d21'
down_revision = 'bec41316d838'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reconciliation_input',
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=300), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('received_at', billing.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['run_id'], ['reconciliation_run.id'],
                                name=op.f('fk_reconciliation_input_run_id_reconciliation_run')),
        sa.PrimaryKeyConstraint('run_id', name=op.f('pk_reconciliation_input')),
    )


def downgrade():
    op.drop_table('reconciliation_input')
