"""catalog name translations: products and escalation tiers named per locale

Revision ID: b7d41c2e9f05
Revises: b7d3f9a2c614
Create Date: 2026-12-05 19:40:00

Issue 19. Product and tier names were English on every page; each now keeps its names
per locale in a small JSON object beside its canonical name (an empty object: none).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9f05'
down_revision = 'b7d3f9a2c614'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('product', 'dispute_tier'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('name_translations', sa.JSON(), nullable=False,
                                          server_default=sa.text("'{}'")))


def downgrade():
    for table in ('product', 'dispute_tier'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('name_translations')
