"""media packages (HTML5, SCORM, H5P): the inspected package description; a package's score in lecture progress

Revision ID: 7b3e9c1d5a20
Revises: 3a7c5e91d2b4
Create Date: 2026-12-04 19:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '7b3e9c1d5a20'
down_revision = '3a7c5e91d2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('package', sa.JSON(), nullable=True))
    with op.batch_alter_table('lecture_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('score', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('lecture_progress', schema=None) as batch_op:
        batch_op.drop_column('score')
    with op.batch_alter_table('media_assets', schema=None) as batch_op:
        batch_op.drop_column('package')
