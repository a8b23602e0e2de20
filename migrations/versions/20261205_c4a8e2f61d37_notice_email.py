"""notice e-mail: delivery state on each notification, each user's address and opt-out

E-mail copies of in-app notices are sent by a job when SMTP is configured. Each notification records the
state of its copy (queued, sent, failed), the attempts made and the last failure's SMTP reason.
notice_settings keeps the address a user gave for notices and their opt-out.

Revision ID: c4a8e2f61d37
Revises: b7d41c2e9a60
Create Date: 2026-12-05 08:30:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


# revision identifiers, used by Alembic.
revision = 'c4a8e2f61d37'
down_revision = 'b7d41c2e9a60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('email_error', sa.String(length=200), server_default='', nullable=False))

    op.create_table('notice_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), server_default='', nullable=False),
    sa.Column('email_enabled', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('updated_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notice_settings'))
    )


def downgrade():
    op.drop_table('notice_settings')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('email_error')
        batch_op.drop_column('email_attempts')
        batch_op.drop_column('email_status')
