"""invoice line rate unit and call count: usage lines say how many calls, rates per what

Revision ID: 3c7d19b0e4a2
Revises: b3d8f1a6c920
Create Date: 2026-12-05 19:30:00

Issue 19. A usage line now keeps how many calls its minutes are of, and every line what
its unit price is per (minute, month, percent, line, number), so that invoices show
"€0.0450 / min" and a tax's rate and base in their own columns. Both are nullable:
lines drafted before stay as they were (issued lines never change), and the pages fall
back to the line's kind. Plain ADD COLUMN on both databases, so the triggers that keep
issued lines final are untouched (a batch rebuild on SQLite would drop them).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c7d19b0e4a2'
down_revision = 'b3d8f1a6c920'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('invoice_line', sa.Column('rate_unit', sa.String(length=16), nullable=True))
    op.add_column('invoice_line', sa.Column('call_count', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('invoice_line', 'call_count')
    op.drop_column('invoice_line', 'rate_unit')
