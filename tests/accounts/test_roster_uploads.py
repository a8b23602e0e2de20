"""The roster kept between preview and confirm lives in the shared database: web nodes stay stateless."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select, update

from lms.app import create_app
from lms.core.db import db, utcnow
from tests.accounts.test_admin_console import STUDENTS, roster_xlsx, web_login

FORM = {"school_year": "2026-2027", "create_classes": "on"}
GONE = "Không tìm thấy tệp đã xem trước"


def _preview(client, school_id, data=None, name="danh-sach.xlsx"):
    resp = client.post("/admin/import/preview", data={
        "file": (io.BytesIO(data or roster_xlsx(STUDENTS)), name), "school_id": str(school_id), **FORM},
        content_type="multipart/form-data")
    return resp, re.search(r'name="digest" value="([0-9a-f]{64})"', resp.get_data(as_text=True))


def _confirm(client, digest, school_id):
    return client.post("/admin/import/confirm", data={"digest": digest, "school_id": str(school_id), **FORM})


def _username_exists(app, username) -> bool:
    from lms.accounts.models import User

    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username)) is not None


def _uploads(app) -> int:
    from lms.accounts.models import RosterUpload

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RosterUpload))


def test_preview_on_one_node_and_confirm_on_another_with_its_own_data_dir(app, world, database_url, tmp_path):
    # Two web nodes behind a load balancer: same database, separate data directories, nothing else shared.
    node_b = create_app({"TESTING": True, "LMS_DATA_DIR": str(tmp_path / "node-b"), "DATABASE_URL": database_url,
                         "SECRET_KEY": "another-node-secret-0123456789-0123456789", "WTF_CSRF_ENABLED": False,
                         "JOBS_IMMEDIATE": "true", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                         "REDIS_URL": app.config.get("REDIS_URL")})
    try:
        resp, digest = _preview(web_login(app, "quantri"), world.school)
        assert resp.status_code == 200 and digest and not _username_exists(app, "hs.hoa")

        done = _confirm(web_login(node_b, "quantri"), digest.group(1), world.school)
        assert done.status_code == 200 and "In thẻ tài khoản lớp 10A5" in done.get_data(as_text=True)
        assert _username_exists(app, "hs.hoa") and _uploads(app) == 0
        assert not (tmp_path / "node-b" / "roster-uploads").exists()
    finally:
        with node_b.app_context():
            db.engine.dispose()  # PostgreSQL: node B's pooled connections must not hold the test database


def test_an_upload_older_than_a_day_is_gone_with_a_clear_message(app, world):
    from lms.accounts.models import RosterUpload

    client = web_login(app, "quantri")
    _, digest = _preview(client, world.school)
    _, stale = _preview(client, world.school, roster_xlsx(STUDENTS[:1]))
    with app.app_context():
        db.session.execute(update(RosterUpload).where(RosterUpload.sha256 == stale.group(1))
                           .values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()

    refused = _confirm(client, stale.group(1), world.school)
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/admin/import")
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert GONE in page and "quá một ngày" in page and "tải tệp lên lại" in page
    assert not _username_exists(app, "hs.hoa")
    assert _uploads(app) == 1  # the stale row was deleted on that confirm; the fresh one stays
    assert _confirm(client, digest.group(1), world.school).status_code == 200


def test_an_unknown_or_malformed_hash_is_refused_with_the_same_message(app, world):
    client = web_login(app, "quantri")
    for digest in ("0" * 64, "../../etc/passwd", ""):
        refused = _confirm(client, digest, world.school)
        assert refused.status_code == 303
        assert GONE in client.get("/admin/import").get_data(as_text=True)


def test_only_an_admin_of_the_same_scope_can_confirm(app, world, factory):
    factory.user("admin", world.school, username="qt.cva")
    factory.user("admin", world.school, username="qt.cva2")
    _, digest = _preview(web_login(app, "qt.cva"), world.school)

    # A system-wide admin is another scope: the school admin's pending file is not theirs to import.
    refused = _confirm(web_login(app, "quantri"), digest.group(1), world.school)
    assert refused.status_code == 303 and not _username_exists(app, "hs.hoa")
    assert _uploads(app) == 1
    # Another admin of the same school may finish the import.
    assert _confirm(web_login(app, "qt.cva2"), digest.group(1), world.school).status_code == 200
    assert _username_exists(app, "hs.hoa")


def test_a_file_past_the_size_limit_is_refused_and_not_kept(app, world):
    from lms.accounts import roster

    client = web_login(app, "quantri")
    big = b"Ten dang nhap,Ho va ten\n" + b"x" * roster.MAX_ROSTER_BYTES
    resp, digest = _preview(client, world.school, big, "lon.csv")
    assert resp.status_code == 413 and "MB" in resp.get_data(as_text=True) and digest is None
    assert _uploads(app) == 0
