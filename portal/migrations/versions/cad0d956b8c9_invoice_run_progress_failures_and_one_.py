"""invoice run progress, failures and one active run per period

Revision ID: cad0d956b8c9
Revises: 6fa8fc9ef03d
Create Date: 2026-11-23 00:06:19.538983

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = 'cad0d956b8c9'
down_revision = '6fa8fc9ef03d'
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('running', 'issuing')")


def upgrade():
    # Existing runs get zeros and no failures; the defaults go once the rows have them.
    with op.batch_alter_table('invoice_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('total', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('done', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('failures', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('progress_at', billing.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_invoice_run_state'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_invoice_run_state'), "state IN ('running', 'drafted', 'issuing', 'issued')")
        batch_op.create_index('uq_invoice_run_active_period', ['period_end'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)

    with op.batch_alter_table('invoice_run', schema=None) as batch_op:
        for name in ('total', 'done', 'failures'):
            batch_op.alter_column(name, server_default=None)


def downgrade():
    op.execute("UPDATE invoice_run SET state = 'drafted' WHERE state = 'issuing'")
    with op.batch_alter_table('invoice_run', schema=None) as batch_op:
        batch_op.drop_index('uq_invoice_run_active_period', sqlite_where=ACTIVE,
                            postgresql_where=ACTIVE)
        batch_op.drop_constraint(op.f('ck_invoice_run_state'), type_='check')
        batch_op.create_check_constraint(op.f('ck_invoice_run_state'),
                                         "state IN ('running', 'drafted', 'issued')")
        batch_op.drop_column('progress_at')
        batch_op.drop_column('failures')
        batch_op.drop_column('done')
        batch_op.drop_column('total')
