"""lecture package states (each student's SCORM cmi per lecture and package, to resume); a gradebook column
may count a lecture's interactive package (lecture_id, package_media_id)

Revision ID: c4a8e2f6b913
Revises: 4c8e2a6f1d37
Create Date: 2026-12-05 08:20:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


# revision identifiers, used by Alembic.
revision = 'c4a8e2f6b913'
down_revision = '4c8e2a6f1d37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lecture_package_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lecture_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=4), nullable=False),
    sa.Column('cmi', sa.JSON(), nullable=False),
    sa.Column('commits', sa.Integer(), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['lecture_id'], ['lectures.id'], name=op.f('fk_lecture_package_states_lecture_id_lectures'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['media_assets.id'], name=op.f('fk_lecture_package_states_media_id_media_assets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_lecture_package_states_student_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lecture_package_states')),
    sa.UniqueConstraint('lecture_id', 'student_id', 'media_id', name=op.f('uq_lecture_package_states_lecture_id_student_id_media_id'))
    )
    with op.batch_alter_table('lecture_package_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lecture_package_states_lecture_id'), ['lecture_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lecture_package_states_student_id'), ['student_id'], unique=False)

    with op.batch_alter_table('gradebook_columns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lecture_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('package_media_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_gradebook_columns_lecture_id'), ['lecture_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_gradebook_columns_class_id_lecture_id_package_media_id'),
                                          ['class_id', 'lecture_id', 'package_media_id'])


def downgrade():
    with op.batch_alter_table('gradebook_columns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_gradebook_columns_class_id_lecture_id_package_media_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_gradebook_columns_lecture_id'))
        batch_op.drop_column('package_media_id')
        batch_op.drop_column('lecture_id')
    with op.batch_alter_table('lecture_package_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lecture_package_states_student_id'))
        batch_op.drop_index(batch_op.f('ix_lecture_package_states_lecture_id'))
    op.drop_table('lecture_package_states')
