"""What only the postgres backend promises: a change is searchable at its commit, on every connection
(every node), and not before; rebuild recomputes rows in place. Runs when TEST_DATABASE_URL is PostgreSQL."""
import os

import pytest
from sqlalchemy import create_engine, text

from lms.core.db import db
from lms.search import service
from lms.search.documents import Allow

from .conftest import make_question

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="postgres backend: TEST_DATABASE_URL must be PostgreSQL")


@pytest.fixture
def other_node(app):
    """A connection of its own, as another web node would have."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield lambda: engine.connect()
    engine.dispose()


def _found_elsewhere(other_node, word):
    with other_node() as conn:
        return conn.execute(text("SELECT count(*) FROM search_documents WHERE folded_tsv @@ CAST(:q AS tsquery)"),
                            {"q": f"'{word}'"}).scalar()


def test_a_change_is_searchable_on_another_connection_at_its_commit_and_not_before(app, world, other_node):
    from question_bank.signals import question_changed

    assert app.config["SEARCH_BACKEND"] == "postgres"
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Câu hỏi về logarit</p>")
    assert _found_elsewhere(other_node, "logarit") == 1  # the create request committed its index row
    with app.app_context():
        index = service.get_index()
        index.delete([f"question:{qid}"])
        db.session.commit()
        question_changed.send(None, question_id=qid)
        db.session.flush()
        assert _found_elsewhere(other_node, "logarit") == 0  # indexed just before commit, inside it
        db.session.commit()
    assert _found_elsewhere(other_node, "logarit") == 1


def test_a_failed_request_leaves_neither_its_change_nor_its_index_row(app, world, other_node):
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Tính tích phân</p>")
    with app.app_context():
        service.get_index().upsert([{"type": "question", "obj_id": qid, "title": "đạo hàm lượng giác"}])
        db.session.rollback()
    assert _found_elsewhere(other_node, "dao") == 0 and _found_elsewhere(other_node, "tich") == 1


def test_rebuild_recomputes_rows_in_place_and_drops_the_gone(app, world):
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Thể tích khối cầu</p>")
    index = service.get_index(app)
    index.upsert([{"type": "question", "obj_id": qid, "title": "cũ", "body": "lỗi thời"},
                  {"type": "lecture", "obj_id": 424242, "title": "đã xoá"}])
    result = app.test_cli_runner().invoke(args=["search", "rebuild", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "rebuilt: 0 lectures, 1 questions; 1 documents in the index" in result.output
    assert set(index.doc_versions()) == {f"question:{qid}"}
    assert index.search("loi thoi", allow=Allow.everything()).total == 0
    assert index.search("khoi cau", allow=Allow.everything()).total == 1


@pytest.mark.db
def test_migration_names_what_the_dba_must_run_when_pg_trgm_may_not_be_created(tmp_path, capfd):
    from flask_migrate import upgrade
    from sqlalchemy.engine import make_url

    from lms.app import create_app
    from tests.conftest import _postgres_database

    url, drop = _postgres_database(os.environ["TEST_DATABASE_URL"])
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    role = "lms_search_no_extension"
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
                conn.execute(text(f"CREATE ROLE {role} LOGIN"))
            # May create tables (the other migrations) but not extensions (no CREATE on the database).
            conn.execute(text(f"GRANT ALL ON SCHEMA public TO {role}"))
        limited = make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
        app = create_app({"TESTING": True, "LMS_DATA_DIR": str(tmp_path), "DATABASE_URL": limited,
                          "SECRET_KEY": "x" * 40, "JOBS_IMMEDIATE": "true"})
        with app.app_context():
            with pytest.raises(SystemExit):  # flask-migrate logs the error and exits 1, as `db upgrade` does
                upgrade()
            # Alembic's logging (alembic.ini) writes to stderr.
            stderr = capfd.readouterr().err
            assert "Ask the database administrator to run" in stderr
            assert f'CREATE EXTENSION pg_trgm; in database "{make_url(url).database}"' in stderr
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text("CREATE EXTENSION pg_trgm"))  # what the DBA does
        with app.app_context():
            upgrade()
            assert db.session.execute(text("SELECT count(*) FROM search_documents")).scalar() == 0
            db.session.remove()
            db.engine.dispose()
    finally:
        admin.dispose()
        drop()
