"""collections: dunning policy, exemptions, autopay, the action log, late fees

Revision ID: e8c9467f09ca
Revises: b3d8f2a61c47
Create Date: 2026-12-05 16:15:59.085820

Issue 16. The unique (invoice, kind, step, period) of collection_action is what lets the
daily job take each step once, even when two jobs run at once. The policy row is
created with its defaults on first use (billing/collections/policy.py).

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = 'e8c9467f09ca'
down_revision = 'b3d8f2a61c47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dunning_exemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(customer_id IS NULL) <> (partner_id IS NULL)', name=op.f('ck_dunning_exemption_one_target')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_dunning_exemption_customer_id_customer')),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_dunning_exemption_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_exemption')),
    sa.UniqueConstraint('customer_id', name=op.f('uq_dunning_exemption_customer_id')),
    sa.UniqueConstraint('partner_id', name=op.f('uq_dunning_exemption_partner_id'))
    )
    op.create_table('autopay_enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payment_method_id', sa.String(length=100), nullable=False),
    sa.Column('method_type', sa.String(length=16), nullable=False),
    sa.Column('method_label', sa.String(length=100), nullable=False),
    sa.Column('enrolled_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', billing.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("method_type IN ('card', 'sepa_debit')", name=op.f('ck_autopay_enrolment_method_type')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_autopay_enrolment_customer_id_customer')),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['user_account.id'], name=op.f('fk_autopay_enrolment_enrolled_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_autopay_enrolment')),
    sa.UniqueConstraint('customer_id', 'currency', name=op.f('uq_autopay_enrolment_customer_id_currency'))
    )
    op.create_table('collection_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.CheckConstraint("kind IN ('reminder', 'autopay', 'late_fee')", name=op.f('ck_collection_action_kind')),
    sa.CheckConstraint("outcome IN ('sent', 'succeeded', 'failed', 'pending', 'charged', 'nothing_due')", name=op.f('ck_collection_action_outcome')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_collection_action_customer_id_customer')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_collection_action_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_action')),
    sa.UniqueConstraint('invoice_id', 'kind', 'step', 'period', name=op.f('uq_collection_action_invoice_id_kind_step_period'))
    )
    with op.batch_alter_table('collection_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_action_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_collection_action_taken_on', ['taken_on'], unique=False)

    op.create_table('collection_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('through_invoice_id', sa.Integer(), nullable=False),
    sa.Column('started_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', billing.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_collection_day'))
    )
    op.create_table('dunning_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_offsets', sa.JSON(), nullable=False),
    sa.Column('autopay_lead_days', sa.Integer(), nullable=False),
    sa.Column('retry_days', sa.JSON(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=False),
    sa.Column('late_fee_mode', sa.String(length=16), nullable=False),
    sa.Column('late_fee_percent', sa.Numeric(precision=7, scale=4), nullable=False),
    sa.Column('late_fee_fixed', sa.JSON(), nullable=False),
    sa.Column('updated_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("late_fee_mode IN ('none', 'percent', 'fixed')", name=op.f('ck_dunning_policy_late_fee_mode')),
    sa.CheckConstraint('autopay_lead_days >= 0', name=op.f('ck_dunning_policy_lead_not_negative')),
    sa.CheckConstraint('grace_days >= 0', name=op.f('ck_dunning_policy_grace_not_negative')),
    sa.CheckConstraint('late_fee_percent >= 0 AND late_fee_percent <= 100', name=op.f('ck_dunning_policy_percent_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_dunning_policy_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_policy'))
    )
    op.create_table('late_fee_charge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('invoice_number', sa.String(length=32), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('charged_on', sa.Date(), nullable=False),
    sa.Column('billed_invoice_id', sa.Integer(), nullable=True),
    sa.Column('created_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name=op.f('ck_late_fee_charge_positive')),
    sa.ForeignKeyConstraint(['billed_invoice_id'], ['invoice.id'], name=op.f('fk_late_fee_charge_billed_invoice_id_invoice')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_late_fee_charge_customer_id_customer')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_late_fee_charge_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_fee_charge')),
    sa.UniqueConstraint('invoice_id', 'month', name=op.f('uq_late_fee_charge_invoice_id_month'))
    )
    with op.batch_alter_table('late_fee_charge', schema=None) as batch_op:
        batch_op.create_index('ix_late_fee_charge_unbilled', ['customer_id', 'billed_invoice_id'], unique=False)



def downgrade():
    with op.batch_alter_table('late_fee_charge', schema=None) as batch_op:
        batch_op.drop_index('ix_late_fee_charge_unbilled')

    op.drop_table('late_fee_charge')
    op.drop_table('dunning_policy')
    op.drop_table('collection_day')
    with op.batch_alter_table('collection_action', schema=None) as batch_op:
        batch_op.drop_index('ix_collection_action_taken_on')
        batch_op.drop_index(batch_op.f('ix_collection_action_customer_id'))

    op.drop_table('collection_action')
    op.drop_table('autopay_enrolment')
    op.drop_table('dunning_exemption')
