"""rebiller reconciliation rows: what each rebiller run found, per end customer

Revision ID: c4e1a7d93f20
Revises: e8c9467f09ca
Create Date: 2026-12-05 16:45:00

Issue 14 (rebillers). A run's rows are stored so that its page, CSV, workbook and API
answer render the same result without reconciling again.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a7d93f20'
down_revision = 'e8c9467f09ca'
branch_labels = None
depends_on = None

CLASSES = ("'unbilled', 'cancelled_but_billed', 'below_cost', 'quantity_mismatch', "
           "'tax_mismatch', 'unpaid', 'ok'")


def upgrade():
    op.create_table(
        'rebiller_reconciliation_row',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=False),
        sa.Column('end_customer_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('row_class', sa.String(length=24), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('wholesale_quantity', sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column('retail_quantity', sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column('wholesale_minor', sa.BigInteger(), nullable=False),
        sa.Column('retail_minor', sa.BigInteger(), nullable=False),
        sa.Column('wholesale_tax_minor', sa.BigInteger(), nullable=False),
        sa.Column('retail_tax_minor', sa.BigInteger(), nullable=False),
        sa.Column('paid_minor', sa.BigInteger(), nullable=False),
        sa.Column('at_stake_minor', sa.BigInteger(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.CheckConstraint(f"row_class IN ({CLASSES})",
                           name=op.f('ck_rebiller_reconciliation_row_row_class')),
        sa.CheckConstraint("kind IN ('charge', 'tax', 'invoice')",
                           name=op.f('ck_rebiller_reconciliation_row_kind')),
        sa.ForeignKeyConstraint(
            ['end_customer_id'], ['customer.id'],
            name=op.f('fk_rebiller_reconciliation_row_end_customer_id_customer')),
        sa.ForeignKeyConstraint(
            ['run_id'], ['reconciliation_run.id'],
            name=op.f('fk_rebiller_reconciliation_row_run_id_reconciliation_run')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rebiller_reconciliation_row')),
    )
    with op.batch_alter_table('rebiller_reconciliation_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rebiller_reconciliation_row_run_id'), ['run_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('rebiller_reconciliation_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rebiller_reconciliation_row_run_id'))
    op.drop_table('rebiller_reconciliation_row')
