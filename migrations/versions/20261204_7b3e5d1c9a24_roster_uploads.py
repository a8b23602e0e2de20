"""roster uploads kept in the database between preview and confirm

roster_uploads holds the admin console's previewed roster file until it is confirmed (or a day passes), in the
database every web node shares instead of one node's data directory.

Revision ID: 7b3e5d1c9a24
Revises: 3f1c9a7e5b21
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


# revision identifiers, used by Alembic.
revision = '7b3e5d1c9a24'
down_revision = '3f1c9a7e5b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_uploads',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', lms.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_roster_uploads_school_id_schools'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_roster_uploads_uploaded_by_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_roster_uploads'))
    )
    with op.batch_alter_table('roster_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_uploads_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('roster_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_uploads_created_at'))

    op.drop_table('roster_uploads')
