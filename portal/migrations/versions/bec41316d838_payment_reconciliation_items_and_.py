"""payment reconciliation items and exceptions

Revision ID: bec41316d838
Revises: 788e424d3600
Create Date: 2026-12-05 16:15:40.745954

Issue 14, the Stripe half. A payment reconciliation run keeps each balance transaction it
read (its items, tied to payments and reversals in set-based SQL) and what it could not
tie (its exceptions, with who resolved each, when, how and why).

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = 'bec41316d838'
down_revision = '788e424d3600'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reconciliation_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('balance_transaction_id', sa.String(length=100), nullable=False),
    sa.Column('reporting_category', sa.String(length=50), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('gross_minor', sa.Integer(), nullable=False),
    sa.Column('fee_minor', sa.Integer(), nullable=False),
    sa.Column('net_minor', sa.Integer(), nullable=False),
    sa.Column('created_utc', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('charge_id', sa.String(length=100), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=100), nullable=False),
    sa.Column('payout_id', sa.String(length=100), nullable=False),
    sa.Column('account_number', sa.String(length=100), nullable=False),
    sa.Column('item_class', sa.String(length=24), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('reversal_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_reconciliation_item_payment_id_payment')),
    sa.ForeignKeyConstraint(['reversal_id'], ['payment_reversal.id'], name=op.f('fk_reconciliation_item_reversal_id_payment_reversal')),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_run.id'], name=op.f('fk_reconciliation_item_run_id_reconciliation_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_item')),
    sa.UniqueConstraint('run_id', 'balance_transaction_id', name=op.f('uq_reconciliation_item_run_id_balance_transaction_id'))
    )
    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_item_run_payout', ['run_id', 'payout_id'], unique=False)

    op.create_table('reconciliation_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('resolved_by', sa.String(length=200), nullable=True),
    sa.Column('resolved_at', billing.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.CheckConstraint("kind IN ('unmatched', 'duplicate', 'unknown_charge', 'unknown_reversal', 'payout_mismatch')", name=op.f('ck_reconciliation_exception_kind')),
    sa.CheckConstraint("resolution IS NULL OR resolution IN ('assigned', 'recorded', 'refunded', 'written_off', 'explained')", name=op.f('ck_reconciliation_exception_resolution')),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_reconciliation_exception_status')),
    sa.ForeignKeyConstraint(['item_id'], ['reconciliation_item.id'], name=op.f('fk_reconciliation_exception_item_id_reconciliation_item')),
    sa.ForeignKeyConstraint(['run_id'], ['reconciliation_run.id'], name=op.f('fk_reconciliation_exception_run_id_reconciliation_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_exception')),
    sa.UniqueConstraint('item_id', name=op.f('uq_reconciliation_exception_item_id'))
    )
    with op.batch_alter_table('reconciliation_exception', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_exception_run_status', ['run_id', 'status'], unique=False)



def downgrade():
    with op.batch_alter_table('reconciliation_exception', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciliation_exception_run_status')

    op.drop_table('reconciliation_exception')
    with op.batch_alter_table('reconciliation_item', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciliation_item_run_payout')

    op.drop_table('reconciliation_item')
