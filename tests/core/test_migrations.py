"""Migrations are the only way the schema is made: upgrading an empty database gives exactly the models."""
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms.app import create_app
from lms.core.db import db
from tests.conftest import _postgres_database


def _fresh_database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path / 'migrated.db'}", lambda: None
    return _postgres_database(url)


@pytest.mark.db
def test_upgrade_from_empty_gives_the_models_schema(tmp_path):
    url, drop = _fresh_database_url(tmp_path)
    app = create_app({"TESTING": True, "LMS_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": url,
                      "SECRET_KEY": "x" * 40, "JOBS_IMMEDIATE": "true"})
    try:
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
                diff = compare_metadata(context, db.metadata)
            dialect = db.engine.dialect.name
            # Every migration also goes back down and up again cleanly.
            downgrade(revision="base")
            upgrade()
            db.engine.dispose()
        assert diff == [], f"models and migrations differ on {dialect}: {diff}"
    finally:
        drop()


def test_subject_catalogue_is_seeded_by_the_migration(world):
    subjects = {s["code"]: s for s in world.as_("student").get("/subjects").get_json()}
    for code in ("toan", "ngu-van", "tieng-viet", "tieng-anh", "vat-li", "hoa-hoc", "sinh-hoc", "khtn", "lich-su",
                 "dia-li", "lich-su-dia-li", "gdcd", "gdktpl", "tin-hoc", "cong-nghe", "tin-hoc-cong-nghe",
                 "khoa-hoc", "dao-duc", "tu-nhien-xa-hoi", "gdqp-an", "gdtc", "nghe-thuat", "am-nhac", "mi-thuat",
                 "hdtn-hn", "gddp"):
        assert code in subjects
    assert subjects["gdtc"]["graded_by"] == "comment"
    assert subjects["toan"]["graded_by"] == "score"
    assert subjects["toan"]["periods_per_year"]["10"] == 105
