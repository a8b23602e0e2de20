"""search documents in the database (SEARCH_BACKEND=postgres)

search_documents: one row per indexed lecture or question with tsvector columns (GIN-indexed) for full-text
search inside PostgreSQL; search_terms: the vocabulary for "did you mean", trigram-indexed (pg_trgm).
On SQLite both are plain tables that stay empty (the whoosh backend is used there). The rows are filled
by `flask --app wsgi search rebuild` (or the periodic reconcile) after this upgrade.

Revision ID: 3f1c9a7e5b21
Revises: 22909ca86770
Create Date: 2026-12-04 17:55:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '3f1c9a7e5b21'
down_revision = '22909ca86770'
branch_labels = None
depends_on = None


def _ensure_pg_trgm(bind):
    """pg_trgm ships with PostgreSQL (contrib) but must be created per database, which needs the CREATE
    privilege on the database (PostgreSQL 13+: trusted extension) or a superuser."""
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar():
        return
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar():
        raise RuntimeError(
            "PostgreSQL extension pg_trgm is not installed on the database server (needed by search). "
            "Install the server's contrib package (Debian: postgresql-contrib), then run `db upgrade` again.")
    database = bind.execute(sa.text("SELECT current_database()")).scalar()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        raise RuntimeError(
            f"This database user may not create the pg_trgm extension needed by search ({exc.orig}). "
            f'Ask the database administrator to run, as a superuser or the database owner: CREATE EXTENSION pg_trgm; in database '
            f'"{database}", then run `db upgrade` again.') from exc


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        _ensure_pg_trgm(bind)
    tsvector = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")
    strings = sa.JSON().with_variant(postgresql.ARRAY(sa.String(length=40)), "postgresql")
    op.create_table('search_documents',
    sa.Column('doc_type', sa.String(length=16), nullable=False),
    sa.Column('obj_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=True),
    sa.Column('grade', sa.String(length=8), nullable=True),
    sa.Column('level', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=40), nullable=True),
    sa.Column('qtype', sa.String(length=40), nullable=True),
    sa.Column('visibility', sa.String(length=40), nullable=True),
    sa.Column('owner_id', sa.String(length=40), nullable=True),
    sa.Column('school_id', sa.String(length=40), nullable=True),
    sa.Column('class_ids', strings, nullable=True),
    sa.Column('audience', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.Column('exact_tsv', tsvector, nullable=False),
    sa.Column('folded_tsv', tsvector, nullable=False),
    sa.PrimaryKeyConstraint('doc_type', 'obj_id', name=op.f('pk_search_documents'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_exact_tsv', ['exact_tsv'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_documents_folded_tsv', ['folded_tsv'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_search_documents_class_ids', ['class_ids'], unique=False, postgresql_using='gin')

    if postgres:
        # Keep rows (and their tsvectors) inline and uncompressed up to a full page: ranking reads both
        # vectors of every hit, and fetching them from TOAST cost five buffer reads per hit (measured,
        # bench/search_bench.py). A long lecture still spills over, compressed, as PostgreSQL always does.
        op.execute("ALTER TABLE search_documents SET (toast_tuple_target = 8160)")
        op.execute("ALTER TABLE search_documents ALTER COLUMN exact_tsv SET STORAGE MAIN, "
                   "ALTER COLUMN folded_tsv SET STORAGE MAIN")

    op.create_table('search_terms',
    sa.Column('word', sa.String(length=64), nullable=False),
    sa.Column('folded', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_terms'))
    )
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.create_index('ix_search_terms_folded_trgm', ['folded'], unique=False, postgresql_using='gin',
                              postgresql_ops={'folded': 'gin_trgm_ops'})


def downgrade():
    # pg_trgm stays: other schemas in the database may use it, and dropping it needs the same privilege.
    with op.batch_alter_table('search_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_search_terms_folded_trgm')
    op.drop_table('search_terms')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_class_ids')
        batch_op.drop_index('ix_search_documents_folded_tsv')
        batch_op.drop_index('ix_search_documents_exact_tsv')
    op.drop_table('search_documents')
