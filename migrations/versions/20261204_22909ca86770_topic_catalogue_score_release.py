"""topic catalogue of the 2018 programme; exams' score release

Revision ID: 22909ca86770
Revises: 3a7c1e9d2b40
Create Date: 2026-12-04 18:10:00

The topic tree of Chương trình GDPT 2018 is reference data every installation needs (a ma trận by chủ đề
cannot be built on an empty tree), so it is loaded here from the CSV shipped in lms/curriculum/data. An
installation that already has topics keeps them: the rows merge by (subject, grade, parent, name), as the
department's CSV import does.
"""
from alembic import op
import sqlalchemy as sa
import lms.core.db


revision = '22909ca86770'
down_revision = '3a7c1e9d2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scores_released_at', lms.core.db.UTCDateTime(timezone=True), nullable=True))

    from lms.curriculum.topic_import import apply_rows, shipped_rows

    conn = op.get_bind()
    # A Table with its primary key (not sa.table) so inserts report the new id the children need.
    topics = sa.Table("topics", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("subject_code", sa.String), sa.Column("grade", sa.Integer),
                      sa.Column("parent_id", sa.Integer), sa.Column("name", sa.String),
                      sa.Column("position", sa.Integer))
    existing = conn.execute(sa.select(topics.c.id, topics.c.subject_code, topics.c.grade, topics.c.parent_id,
                                      topics.c.name, topics.c.position)).all()

    def insert(subject, grade, parent_id, name, position):
        result = conn.execute(topics.insert().values(subject_code=subject, grade=grade, parent_id=parent_id,
                                                     name=name, position=position))
        return result.inserted_primary_key[0]

    rows = shipped_rows()
    bad = [r for r in rows if r.errors]
    if bad:
        raise RuntimeError(f"topics_ct2018.csv line {bad[0].row}: {' '.join(bad[0].errors)}")
    apply_rows(rows, insert, existing)


def downgrade():
    # The catalogue rows stay: questions and lectures may be filed under them by now.
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.drop_column('scores_released_at')
