"""Test fixtures shared by every package: the app on a migrated database, clients and factories.

The database is chosen by ``TEST_DATABASE_URL`` (default: SQLite in a temp dir). For PostgreSQL a fresh
database is created for the session and dropped afterwards, so runs never share state. Each test starts
from empty tables (the subject catalogue is reference data and stays).
"""
from __future__ import annotations

import itertools
import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lms.app import create_app
from lms.core.db import db

KEEP_TABLES = {"subjects", "alembic_version"}
PASSWORD = "mat-khau-an-toan"
_counter = itertools.count(1)


def _postgres_database(url: str):
    """Create a throwaway database next to the one named in ``url``; return its URL and a dropper."""
    base = make_url(url)
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    created, drop = _postgres_database(url)
    yield created
    drop()  # WITH (FORCE) closes the app's pooled connections


@pytest.fixture(scope="session")
def app(tmp_path_factory, database_url):
    data_dir = tmp_path_factory.mktemp("data")
    app = create_app({
        "TESTING": True,
        "LMS_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "JOBS_IMMEDIATE": "true",
        "WTF_CSRF_ENABLED": False,
        "LOGIN_FAILURE_LIMIT": "5 per minute",
        "MAX_UPLOAD_MB": "64",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        # Tables of models whose migration is not written yet; tests/core/test_migrations.py builds its own
        # database from migrations alone and fails until the migration exists.
        db.create_all()
        # Reference data beyond the subjects (the topic catalogue) is tested on its own fresh database
        # (tests/curriculum); every other test starts from empty tables, the first one included.
        _truncate_all()
    yield app


def _truncate_all():
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _clean(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        _truncate_all()
        from lms.core import ratelimits

        ratelimits.reset(app)


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


class ApiClient:
    """A test client that speaks JSON to /api/v1 as one user (or anonymously)."""

    def __init__(self, app, token: str | None):
        self._client = app.test_client()
        self.token = token

    def _headers(self, extra=None):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(self, method, path, json=None, headers=None, **kwargs):
        url = path if path.startswith("/") and path.startswith("/api/") else "/api/v1" + path
        return self._client.open(url, method=method, json=json, headers=self._headers(headers), **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


class Factory:
    """Creates schools, users, classes directly through the services, committed, returning ids."""

    def __init__(self, app):
        self.app = app

    def school(self, code=None, name="Trường THPT Chu Văn An"):
        from lms.accounts import services

        with self.app.app_context():
            school = services.create_school(None, name=name, code=code or f"S{next(_counter)}")
            db.session.commit()
            return school.id

    def user(self, role="student", school_id=None, username=None, full_name=None, password=PASSWORD):
        from lms.accounts import services

        with self.app.app_context():
            if role in ("teacher", "student") and school_id is None:
                school_id = self.school()
            n = next(_counter)
            user = services.create_user(None, username=username or f"{role}{n}", password=password,
                                        full_name=full_name or f"Người dùng {n}", role=role, school_id=school_id)
            db.session.commit()
            return user.id

    def klass(self, school_id, name=None, grade=10, homeroom_teacher_id=None, school_year="2026-2027"):
        from lms.accounts.models import SchoolClass

        with self.app.app_context():
            klass = SchoolClass(name=name or f"10A{next(_counter)}", grade=grade, school_id=school_id,
                                school_year=school_year, homeroom_teacher_id=homeroom_teacher_id)
            db.session.add(klass)
            db.session.commit()
            return klass.id

    def enrol(self, class_id, *student_ids):
        from lms.accounts.models import Enrolment

        with self.app.app_context():
            for sid in student_ids:
                db.session.add(Enrolment(class_id=class_id, student_id=sid))
            db.session.commit()

    def assign(self, class_id, teacher_id, subject="toan"):
        from lms.accounts.models import TeachingAssignment

        with self.app.app_context():
            db.session.add(TeachingAssignment(class_id=class_id, teacher_id=teacher_id, subject_code=subject))
            db.session.commit()

    def guardian(self, parent_id, student_id, relation="mẹ"):
        from lms.accounts.models import Guardian

        with self.app.app_context():
            db.session.add(Guardian(parent_id=parent_id, student_id=student_id, relation=relation))
            db.session.commit()

    def token(self, user_id):
        from lms.accounts import services
        from lms.accounts.models import User

        with self.app.app_context():
            raw, _ = services.issue_token(db.session.get(User, user_id))
            db.session.commit()
            return raw

    def api(self, user_id=None) -> ApiClient:
        return ApiClient(self.app, self.token(user_id) if user_id else None)


@pytest.fixture
def factory(app):
    return Factory(app)


@pytest.fixture
def world(factory):
    """A school with a class 10A1: a homeroom+math teacher, another teacher, two students, an outsider
    student in another school, an admin, a department user and the first student's parent; ``api`` clients
    for each."""
    school = factory.school(code="THPT-CVA")
    other_school = factory.school(code="THPT-KHAC", name="Trường khác")
    teacher = factory.user("teacher", school, username="gv.lan", full_name="Nguyễn Thị Lan")
    teacher2 = factory.user("teacher", school, username="gv.minh", full_name="Trần Văn Minh")
    student = factory.user("student", school, username="hs.anh", full_name="Lê Minh Anh")
    student2 = factory.user("student", school, username="hs.bao", full_name="Phạm Gia Bảo")
    outsider = factory.user("student", other_school, username="hs.ngoai", full_name="Đỗ Văn Ngoại")
    admin = factory.user("admin", username="quantri", full_name="Quản trị")
    department = factory.user("department", username="sogd", full_name="Chuyên viên Sở")
    klass = factory.klass(school, name="10A1", homeroom_teacher_id=teacher)
    factory.enrol(klass, student, student2)
    factory.assign(klass, teacher, "toan")
    parent = factory.user("parent", username="ph.anh", full_name="Lê Văn Phụ")
    factory.guardian(parent, student)
    ids = dict(school=school, other_school=other_school, teacher=teacher, teacher2=teacher2, student=student,
               student2=student2, outsider=outsider, admin=admin, department=department, klass=klass, parent=parent)

    class World(dict):
        __getattr__ = dict.__getitem__

    w = World(ids)
    w["as_"] = lambda name: factory.api(ids[name]) if name != "anonymous" else factory.api(None)
    return w


def pytest_collection_modifyitems(config, items):
    """Tests that never touch the app or database are marked ``engine`` so the PostgreSQL pass can skip them."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        # Tests against radosgw need the server scripts/test.sh starts for the PostgreSQL pass: never "engine".
        on_radosgw = names & {"radosgw_endpoint", "radosgw_storage"} or \
            "radosgw" in getattr(getattr(item, "callspec", None), "id", "")
        if not names & {"app", "ctx", "client", "factory", "world"} and not item.get_closest_marker("db") \
                and not on_radosgw:
            item.add_marker(pytest.mark.engine)
