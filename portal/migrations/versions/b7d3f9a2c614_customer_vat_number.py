"""customer VAT number: printed on invoices under the customer's address

Revision ID: b7d3f9a2c614
Revises: b7d4e2a91c30
Create Date: 2026-12-05 19:20:00

Issue 19. EU business invoices carry the customer's VAT number (and, across a border,
the reverse-charge note that depends on it). Nullable: most accounts have none.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3f9a2c614'
down_revision = 'b7d4e2a91c30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('customer') as batch_op:
        batch_op.add_column(sa.Column('vat_number', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('customer') as batch_op:
        batch_op.drop_column('vat_number')
