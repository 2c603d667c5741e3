"""statement batches: many statements rendered by workers, handed out as one ZIP

Revision ID: 7f5e72e8a14d
Revises: 5a9e0c3b7d21
Create Date: 2026-12-05 16:57:57

Issue 17. A batch is keyed by its inputs, so asking again finds the stored one; its
accounts are cut into slices that workers render side by side, each marked done once.

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = '7f5e72e8a14d'
down_revision = '5a9e0c3b7d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statement_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('audience', sa.String(length=8), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('created_at', billing.core.db.UTCDateTime(), nullable=False),
    sa.Column('progress_at', billing.core.db.UTCDateTime(), nullable=True),
    sa.Column('finished_at', billing.core.db.UTCDateTime(), nullable=True),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("audience IN ('staff', 'partner')", name=op.f('ck_statement_batch_audience')),
    sa.CheckConstraint("state IN ('rendering', 'done', 'failed')", name=op.f('ck_statement_batch_state')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_statement_batch_partner_id_partner')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_statement_batch_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_batch')),
    sa.UniqueConstraint('key', name=op.f('uq_statement_batch_key'))
    )
    with op.batch_alter_table('statement_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_batch_partner_id'), ['partner_id'], unique=False)

    op.create_table('statement_batch_slice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('accounts', sa.JSON(), nullable=False),
    sa.Column('done_at', billing.core.db.UTCDateTime(), nullable=True),
    sa.Column('entries', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['statement_batch.id'], name=op.f('fk_statement_batch_slice_batch_id_statement_batch'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_batch_slice')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('statement_batch_slice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_batch_slice_batch_id'), ['batch_id'], unique=False)



def downgrade():
    with op.batch_alter_table('statement_batch_slice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_batch_slice_batch_id'))

    op.drop_table('statement_batch_slice')
    with op.batch_alter_table('statement_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_batch_partner_id'))

    op.drop_table('statement_batch')
