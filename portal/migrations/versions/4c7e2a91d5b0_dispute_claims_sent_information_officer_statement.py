"""dispute claims as typed, information sent to the address of record, officer statement

Revision ID: 4c7e2a91d5b0
Revises: a7c3e91d5b20
Create Date: 2026-12-05 14:30:00

Issue 12. A dispute keeps the claim as its filer typed it (`claimed_minor`) beside what
it holds (`amount_minor`, the claim capped to what was open; possibly nothing), so a
filer who may not see the amounts gets the same answer whatever is open. Caller
verification by e-mail or postal mail of record sends the information: each sending is
kept, a letter with its PDF until it is printed. The certification's officer statement,
one per year.

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = '4c7e2a91d5b0'
down_revision = 'a7c3e91d5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_minor', sa.Integer(), nullable=True))
    op.execute("UPDATE dispute SET claimed_minor = amount_minor")
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.alter_column('claimed_minor', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(op.f('ck_dispute_positive_amount'), type_='check')
        batch_op.create_check_constraint(op.f('ck_dispute_held_not_negative'),
                                         'amount_minor >= 0')
        batch_op.create_check_constraint(
            op.f('ck_dispute_held_within_claim'),
            'claimed_minor > 0 AND amount_minor <= claimed_minor')

    op.create_table('cpni_sent_information',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('verification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('requested', sa.String(length=300), nullable=True),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('printed_at', billing.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('printed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'postal')", name=op.f('ck_cpni_sent_information_channel')),
    sa.CheckConstraint("channel = 'postal' OR (pdf IS NULL AND printed_at IS NULL)", name=op.f('ck_cpni_sent_information_only_letters_print')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_cpni_sent_information_customer_id_customer')),
    sa.ForeignKeyConstraint(['printed_by_id'], ['user_account.id'], name=op.f('fk_cpni_sent_information_printed_by_id_user_account')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['user_account.id'], name=op.f('fk_cpni_sent_information_sent_by_id_user_account')),
    sa.ForeignKeyConstraint(['verification_id'], ['caller_verification.id'], name=op.f('fk_cpni_sent_information_verification_id_caller_verification')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpni_sent_information'))
    )
    with op.batch_alter_table('cpni_sent_information', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpni_sent_information_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cpni_sent_information_printed_at'), ['printed_at'], unique=False)

    op.create_table('cpni_officer_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('officer_name', sa.String(length=200), nullable=False),
    sa.Column('officer_title', sa.String(length=200), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('procedures', sa.Text(), nullable=False),
    sa.Column('data_broker_actions', sa.Text(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signed_by_id'], ['user_account.id'], name=op.f('fk_cpni_officer_statement_signed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpni_officer_statement')),
    sa.UniqueConstraint('year', name=op.f('uq_cpni_officer_statement_year'))
    )


def downgrade():
    op.drop_table('cpni_officer_statement')
    with op.batch_alter_table('cpni_sent_information', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpni_sent_information_printed_at'))
        batch_op.drop_index(batch_op.f('ix_cpni_sent_information_customer_id'))
    op.drop_table('cpni_sent_information')
    op.execute("UPDATE dispute SET amount_minor = claimed_minor WHERE amount_minor = 0")
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_dispute_held_within_claim'), type_='check')
        batch_op.drop_constraint(op.f('ck_dispute_held_not_negative'), type_='check')
        batch_op.create_check_constraint(op.f('ck_dispute_positive_amount'), 'amount_minor > 0')
        batch_op.drop_column('claimed_minor')
