"""exam papers drawn ahead: each student's paper drawn when the exam is assigned, with the job's progress

Revision ID: c4e8a1f0b6d2
Revises: c4a8e2f6b913
Create Date: 2026-12-05 08:30:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


# revision identifiers, used by Alembic.
revision = 'c4e8a1f0b6d2'
down_revision = 'c4a8e2f6b913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exam_drawn_papers',
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exam_id', 'student_id')
    )
    with op.batch_alter_table('exam_drawn_papers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_drawn_papers_student_id'), ['student_id'], unique=False)
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('papers_state', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('papers_total', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('papers_done', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.drop_column('papers_done')
        batch_op.drop_column('papers_total')
        batch_op.drop_column('papers_state')
    with op.batch_alter_table('exam_drawn_papers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_drawn_papers_student_id'))
    op.drop_table('exam_drawn_papers')
