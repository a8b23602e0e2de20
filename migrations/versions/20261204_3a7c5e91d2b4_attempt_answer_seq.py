"""attempt answer seq

The client's autosave counter of the save that wrote each stored answer (exam_attempt_items.answer_seq), so a
retried or delayed save older than the stored one never rolls an answer back (issue 12).

Revision ID: 3a7c5e91d2b4
Revises: 7b3e5d1c9a24
Create Date: 2026-12-04 17:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a7c5e91d2b4'
down_revision = '7b3e5d1c9a24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exam_attempt_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_seq', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('exam_attempt_items', schema=None) as batch_op:
        batch_op.drop_column('answer_seq')
