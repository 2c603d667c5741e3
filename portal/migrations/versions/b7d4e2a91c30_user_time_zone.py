"""user time zone: each login may choose the zone its pages show times in

Revision ID: b7d4e2a91c30
Revises: 3c7d19b0e4a2
Create Date: 2026-12-05 19:30:00

Issue 19. Times on pages are shown in the viewer's time zone with its name; a user
without a choice sees the provider's zone, so the column is nullable.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d4e2a91c30'
down_revision = '3c7d19b0e4a2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
