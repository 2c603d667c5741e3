"""server-side user sessions

Revision ID: 5e7a1c3d9b20
Revises: e0525b21a15e
Create Date: 2026-12-05 14:20:00

One row per signed-in browser (billing/parties/user_sessions.py): the cookie carries a
random secret and this table its SHA-256, so logging out, a password change or reset,
the user ending a session, or expiry refuses a copied cookie. Issue 12.

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = '5e7a1c3d9b20'
down_revision = 'e0525b21a15e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=120), nullable=False),
    sa.Column('created_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', billing.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_user_session_secret_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
