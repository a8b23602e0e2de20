"""guardians, announcements, notifications, transcripts

Role ``parent`` (phụ huynh) follows the students it is linked to, read-only. The role is a string column
already (users.role), so only the link table is new. Announcements reach classes or schools
(announcement_targets); notifications are each user's in-app notices, unique per (user, key). Transcripts
(học bạ số) keep each student's signed PDF of a school year.

Revision ID: b7d41c2e9a60
Revises: 7b3e9c1d5a20
Create Date: 2026-12-04 18:40:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a60'
down_revision = '7b3e9c1d5a20'
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

    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_announcements_author_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements'))
    )
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcements_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcements_created_at'), ['created_at'], unique=False)

    op.create_table('announcement_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=True),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_announcement_targets_announcement_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_announcement_targets_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_announcement_targets_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_targets'))
    )
    with op.batch_alter_table('announcement_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_targets_announcement_id'), ['announcement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_targets_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_targets_school_id'), ['school_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', lms.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], name=op.f('fk_notifications_announcement_id_announcements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_notifications_user_id_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_id_read_at', ['user_id', 'read_at'], unique=False)

    op.create_table('transcripts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('homeroom_comment', sa.Text(), nullable=False),
    sa.Column('signatures', sa.JSON(), nullable=False),
    sa.Column('stale', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_transcripts_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_transcripts_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], name=op.f('fk_transcripts_student_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcripts')),
    sa.UniqueConstraint('student_id', 'school_year', name=op.f('uq_transcripts_student_id_school_year'))
    )
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcripts_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transcripts_student_id'), ['student_id'], unique=False)

    op.create_table('transcript_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('transcript_ids', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_transcript_batches_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_transcript_batches_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transcript_batches'))
    )
    with op.batch_alter_table('transcript_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transcript_batches_class_id'), ['class_id'], unique=False)


def downgrade():
    with op.batch_alter_table('transcript_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcript_batches_class_id'))
    op.drop_table('transcript_batches')
    with op.batch_alter_table('transcripts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transcripts_student_id'))
        batch_op.drop_index(batch_op.f('ix_transcripts_class_id'))
    op.drop_table('transcripts')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_id_read_at')
    op.drop_table('notifications')
    with op.batch_alter_table('announcement_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_targets_school_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_targets_class_id'))
        batch_op.drop_index(batch_op.f('ix_announcement_targets_announcement_id'))
    op.drop_table('announcement_targets')
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcements_created_at'))
        batch_op.drop_index(batch_op.f('ix_announcements_author_id'))
    op.drop_table('announcements')
    with op.batch_alter_table('guardians', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guardians_student_id'))
    op.drop_table('guardians')
