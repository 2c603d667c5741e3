"""user administration: invitation links, the change record, last sign-in

Revision ID: b3d8f1a6c920
Revises: 5a1c9e7d2b40
Create Date: 2026-12-05 19:30:00

Issue 19. Admins invite people by e-mail (a one-time, expiring link kept as a hash),
change roles, deactivate and reactivate; each change is recorded. A login's last
sign-in is kept on the login, for its administrators to see.

"""
from alembic import op
import sqlalchemy as sa

import billing.core.db


# revision identifiers, used by Alembic.
revision = 'b3d8f1a6c920'
down_revision = '5a1c9e7d2b40'
branch_labels = None
depends_on = None

ACTIONS = "('invited', 'reinvited', 'accepted', 'role_changed', 'deactivated', 'reactivated')"


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_sign_in_at', billing.core.db.UTCDateTime(timezone=True),
                                      nullable=True))
    op.create_table('user_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', billing.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', billing.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'], name=op.f('fk_user_invitation_invited_by_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_invitation_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_invitation_token_hash'))
    )
    with op.batch_alter_table('user_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_invitation_user_id'), ['user_id'], unique=False)
    op.create_table('user_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.String(length=100), nullable=True),
    sa.Column('occurred_at', billing.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint(f"action IN {ACTIONS}", name=op.f('ck_user_change_action')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_user_change_actor_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_change_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_change'))
    )
    with op.batch_alter_table('user_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_change_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_change_user_id'))
    op.drop_table('user_change')
    with op.batch_alter_table('user_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_invitation_user_id'))
    op.drop_table('user_invitation')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('last_sign_in_at')
