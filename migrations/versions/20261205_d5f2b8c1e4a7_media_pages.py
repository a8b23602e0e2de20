"""media pages: the page count of a processed PDF (the e-textbook reader's last page)

Revision ID: d5f2b8c1e4a7
Revises: c4e8a1f0b6d2
Create Date: 2026-12-05 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5f2b8c1e4a7'
down_revision = 'c4e8a1f0b6d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pages', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.drop_column('pages')
