"""admin console: school years, forced password change, last seen

Users get ``must_change_password`` (printed account cards, admin resets) and ``last_seen_at`` (department
usage figures); ``school_years`` holds the dates of each năm học and which one is current.

Revision ID: 3a7c1e9d2b40
Revises: 5e7c1a9d3b42
Create Date: 2026-12-04 17:29:51.732059

"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


# revision identifiers, used by Alembic.
revision = '3a7c1e9d2b40'
down_revision = '5e7c1a9d3b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('school_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=9), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school_years')),
    sa.UniqueConstraint('name', name=op.f('uq_school_years_name'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('last_seen_at', lms.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_last_seen_at'), ['last_seen_at'], unique=False)



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_last_seen_at'))
        batch_op.drop_column('last_seen_at')
        batch_op.drop_column('must_change_password')

    op.drop_table('school_years')
