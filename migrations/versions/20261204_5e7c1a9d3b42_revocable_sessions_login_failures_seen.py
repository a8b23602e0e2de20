"""revocable sessions, shared login limiter, time seen on a lecture

web_sessions holds one row per signed-in browser (ended by signing out); users.session_generation ends
every session of a user at once; login_failures holds the failed sign-ins the
limiter counts when no Redis is configured (shared by every worker); lecture_progress.seen_s is the time the
server has seen the viewer on the lecture, which bounds the watching it credits.

Revision ID: 5e7c1a9d3b42
Revises: 85e9bdfaf8db
Create Date: 2026-12-04 17:50:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


# revision identifiers, used by Alembic.
revision = '5e7c1a9d3b42'
down_revision = '85e9bdfaf8db'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failed_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_failed_at'), ['failed_at'], unique=False)
        batch_op.create_index('ix_login_failures_key_failed_at', ['key', 'failed_at'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('lecture_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seen_s', sa.Float(), server_default='0', nullable=False))
    # Progress recorded before counts as seen at normal speed, so a student half-way through a video keeps being
    # credited from where they are instead of first "earning back" what they had already watched.
    op.execute("UPDATE lecture_progress SET seen_s = watched_s")


def downgrade():
    with op.batch_alter_table('lecture_progress', schema=None) as batch_op:
        batch_op.drop_column('seen_s')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_key_failed_at')
        batch_op.drop_index(batch_op.f('ix_login_failures_failed_at'))

    op.drop_table('login_failures')

    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_created_at'))

    op.drop_table('web_sessions')
