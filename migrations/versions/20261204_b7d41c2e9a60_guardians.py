"""guardians: parent accounts linked to students

Role ``parent`` (phụ huynh) follows the students it is linked to, read-only. The role is a string column
already (users.role), so only the link table is new.

Revision ID: b7d41c2e9a60
Revises: 5e7c1a9d3b42
Create Date: 2026-12-04 18:40:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a60'
down_revision = '5e7c1a9d3b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guardians',
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=40), server_default='', nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['users.id'], name=op.f('fk_guardians_parent_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_guardians_student_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('parent_id', 'student_id', name=op.f('pk_guardians'))
    )
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guardians_student_id'), ['student_id'], unique=False)


def downgrade():
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardians_student_id'))
    op.drop_table('guardians')
