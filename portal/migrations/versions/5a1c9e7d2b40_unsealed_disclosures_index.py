"""unsealed disclosures index: the sealer finds its next batch without the sealed log

Revision ID: 5a1c9e7d2b40
Revises: 7f5e72e8a14d
Create Date: 2026-12-05 17:06:00

Issue 18. Every request that logs a CPNI disclosure seals after it; the sealer's
"unsealed entries in id order" read went through the unique index on sequence and the
heap (every sealed row's old version matched IS NULL until vacuumed). A partial index
on id, of the unsealed rows only, answers it in id order at once.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c9e7d2b40'
down_revision = '7f5e72e8a14d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_cpni_disclosure_unsealed', 'cpni_disclosure', ['id'], unique=False,
                    postgresql_where=sa.text('sequence IS NULL'),
                    sqlite_where=sa.text('sequence IS NULL'))


def downgrade():
    op.drop_index('ix_cpni_disclosure_unsealed', table_name='cpni_disclosure')
