"""transcript conduct: the homeroom teacher's TT22 training result (kết quả rèn luyện) printed on the học bạ

Revision ID: 4c8e2a6f1d37
Revises: c4a8e2f61d37
Create Date: 2026-12-05 08:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4c8e2a6f1d37'
down_revision = 'c4a8e2f61d37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conduct', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.drop_column('conduct')
