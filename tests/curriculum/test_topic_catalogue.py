"""The topic tree of the 2018 programme ships with the product, and departments edit and import it."""
import io

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from lms.app import create_app
from lms.core.db import db
from lms.curriculum.models import Topic
from lms.curriculum.topic_import import CATALOGUE_CSV, shipped_rows
from tests.core.test_migrations import _fresh_database_url

#: Issue 13: the subjects and grades a fresh install must have topics for.
REQUIRED = {"toan": range(1, 13), "ngu-van": range(6, 13), "tieng-anh": range(3, 13), "vat-li": range(10, 13),
            "hoa-hoc": range(10, 13), "sinh-hoc": range(10, 13), "khtn": range(6, 10), "lich-su": range(10, 13),
            "dia-li": range(10, 13), "lich-su-dia-li": range(4, 10), "tin-hoc": range(3, 13),
            "gdktpl": range(10, 13)}


def test_shipped_catalogue_covers_every_required_subject_and_grade_without_errors():
    rows = shipped_rows()
    assert [r for r in rows if r.errors] == []
    have = {(r.subject, r.grade) for r in rows}
    missing = [(s, g) for s, grades in REQUIRED.items() for g in grades if (s, g) not in have]
    assert missing == []
    names = {(r.subject, r.grade, r.topic) for r in rows}
    assert ("toan", 12, "Chương IV: Nguyên hàm và tích phân") in names
    assert ("tieng-anh", 10, "Unit 1: Family life") in names
    assert ("hoa-hoc", 10, "Chương 1: Cấu tạo nguyên tử") in names
    with open(CATALOGUE_CSV, encoding="utf-8") as handle:
        assert handle.readline().strip() == "subject,grade,topic,subtopic,source"


@pytest.mark.db
def test_fresh_install_has_the_topic_tree_from_the_migration(tmp_path):
    url, drop = _fresh_database_url(tmp_path)
    app = create_app({"TESTING": True, "LMS_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": url,
                      "SECRET_KEY": "x" * 40, "JOBS_IMMEDIATE": "true"})
    try:
        with app.app_context():
            upgrade()
            count = db.session.scalar(select(func.count(Topic.id)))
            chapter = db.session.scalar(select(Topic).where(Topic.subject_code == "toan", Topic.grade == 12,
                                                            Topic.name == "Chương IV: Nguyên hàm và tích phân"))
            lessons = db.session.scalars(select(Topic.name).where(Topic.parent_id == chapter.id)
                                         .order_by(Topic.position)).all()
            per_book = dict(db.session.execute(select(Topic.subject_code, func.count(func.distinct(Topic.grade)))
                                               .group_by(Topic.subject_code)).all())
            db.session.remove()
            db.engine.dispose()
        assert count == sum(1 for r in shipped_rows() if not r.subtopic) + sum(1 for r in shipped_rows() if r.subtopic)
        assert lessons == ["Bài 11: Nguyên hàm", "Bài 12: Tích phân", "Bài 13: Ứng dụng hình học của tích phân"]
        for subject, grades in REQUIRED.items():
            assert per_book[subject] >= len(grades)
    finally:
        drop()


def _csv(text):
    return {"file": (io.BytesIO(text.encode("utf-8")), "chu-de.csv")}


def test_department_previews_then_imports_csv_with_a_per_row_report(world):
    dept = world.as_("department")
    text = ("subject,grade,topic,subtopic\n"
            "toan,10,Chương X: Chủ đề của tổ,\n"
            "toan,10,Chương X: Chủ đề của tổ,Bài 1: Bài thêm\n"
            "toan,10,Chương X: Chủ đề của tổ,Bài 1: Bài thêm\n")
    preview = dept.post("/topics/import?dry_run=true", data=_csv(text), content_type="multipart/form-data")
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["dry_run"] is True and body["created"] == 2 and body["errors"] == []
    assert [r["status"] for r in body["rows"]] == ["created", "created", "exists"]
    assert dept.get("/topics?subject=toan&grade=10").get_json() == []

    done = dept.post("/topics/import", data=_csv(text), content_type="multipart/form-data").get_json()
    assert done["dry_run"] is False and done["created"] == 2
    tree = dept.get("/topics?subject=toan&grade=10").get_json()
    parent = next(t for t in tree if t["parent_id"] is None)
    assert [t["name"] for t in tree if t["parent_id"] == parent["id"]] == ["Bài 1: Bài thêm"]

    again = dept.post("/topics/import", data=_csv(text), content_type="multipart/form-data").get_json()
    assert again["created"] == 0 and again["existing"] == 3
    assert len(dept.get("/topics?subject=toan&grade=10").get_json()) == 2


def test_import_with_a_bad_row_writes_nothing_and_names_the_row(world):
    dept = world.as_("department")
    text = ("subject;grade;topic;subtopic\n"  # Excel's Vietnamese locale separates with ;
            "toan;11;Chương I: Hàm số lượng giác;\n"
            "mon-la;11;Chủ đề lạ;\n"
            "toan;13;Chương;\n")
    resp = dept.post("/topics/import", data=_csv(text), content_type="multipart/form-data")
    body = resp.get_json()
    assert resp.status_code == 200 and body["dry_run"] is True
    assert [e["row"] for e in body["errors"]] == [3, 4]
    assert "mon-la" in body["errors"][0]["message"] and "13" in body["errors"][1]["message"]
    assert dept.get("/topics?subject=toan&grade=11").get_json() == []


def test_import_without_required_columns_is_a_422(world):
    resp = world.as_("admin").post("/topics/import", data=_csv("mon,khoi\ntoan,10\n"),
                                   content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "subject" in resp.get_json()["errors"]["file"][0]


@pytest.mark.parametrize("role,status", [("teacher", 403), ("student", 403), ("anonymous", 401)])
def test_only_curators_import_edit_and_delete_topics(world, role, status):
    topic = world.as_("department").post("/topics", json={"subject": "toan", "grade": 10,
                                                          "name": "Chương I"}).get_json()
    client = world.as_(role)
    assert client.post("/topics/import", data=_csv("subject,grade,topic\ntoan,10,X\n"),
                       content_type="multipart/form-data").status_code == status
    assert client.patch(f"/topics/{topic['id']}", json={"name": "Đổi"}).status_code == status
    assert client.delete(f"/topics/{topic['id']}").status_code == status


def test_department_renames_reorders_and_deletes_topics(world):
    dept = world.as_("department")
    ids = [dept.post("/topics", json={"subject": "vat-li", "grade": 11, "name": n}).get_json()["id"]
           for n in ("Dao động", "Sóng", "Điện trường")]
    child = dept.post("/topics", json={"subject": "vat-li", "grade": 11, "name": "Sóng dừng",
                                       "parent_id": ids[1]}).get_json()
    assert dept.patch(f"/topics/{ids[0]}", json={"name": "Chương I: Dao động"}).get_json()["name"] == \
        "Chương I: Dao động"
    assert dept.patch(f"/topics/{ids[2]}", json={"position": 0}).status_code == 200
    roots = [t for t in dept.get("/topics?subject=vat-li&grade=11").get_json() if t["parent_id"] is None]
    assert [t["name"] for t in sorted(roots, key=lambda t: t["position"])] == \
        ["Điện trường", "Chương I: Dao động", "Sóng"]
    assert dept.delete(f"/topics/{ids[1]}").status_code == 204
    left = dept.get("/topics?subject=vat-li&grade=11").get_json()
    assert child["id"] not in {t["id"] for t in left} and len(left) == 2
    assert dept.patch("/topics/999999", json={"name": "x"}).status_code == 404


def test_export_round_trips_through_import(world):
    dept = world.as_("department")
    parent = dept.post("/topics", json={"subject": "hoa-hoc", "grade": 12, "name": "Chương 1: Ester – Lipid"})
    dept.post("/topics", json={"subject": "hoa-hoc", "grade": 12, "name": "Bài 1: Ester – Lipid",
                               "parent_id": parent.get_json()["id"]})
    resp = world.as_("teacher").get("/topics/export?subject=hoa-hoc&grade=12")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True).lstrip("\ufeff")
    assert "hoa-hoc,12,Chương 1: Ester – Lipid,Bài 1: Ester – Lipid" in text
    again = dept.post("/topics/import", data=_csv(text), content_type="multipart/form-data").get_json()
    assert again["created"] == 0 and again["errors"] == []


def _login(app, username):
    from tests.conftest import PASSWORD

    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_topic_page_edits_and_previews_an_import(app, world):
    world.as_("department").post("/topics", json={"subject": "toan", "grade": 10, "name": "Chương I: Mệnh đề"})
    page = _login(app, "sogd")
    html = page.get("/topics/?subject=toan&grade=10").get_data(as_text=True)
    assert "Chương I: Mệnh đề" in html and "Nhập từ tệp CSV" in html
    assert page.post("/topics/add", data={"subject": "toan", "grade": "10", "name": "Chương II: Bất phương trình"}
                     ).status_code == 302
    csv_text = "subject,grade,topic,subtopic\ntoan,10,Chương III: Hệ thức lượng,\nsai-mon,10,X,\n"
    resp = page.post("/topics/import", data={"subject": "toan", "grade": "10", "action": "import",
                                             "file": (io.BytesIO(csv_text.encode()), "t.csv")},
                     content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Lỗi" in html and "sai-mon" in html and "Xem trước (chưa ghi)" in html
    names = [t["name"] for t in world.as_("teacher").get("/topics?subject=toan&grade=10").get_json()]
    assert names == ["Chương I: Mệnh đề", "Chương II: Bất phương trình"]
    # A teacher reads the catalogue but gets no editing forms, and cannot post them.
    teacher = _login(app, "gv.lan")
    assert "Nhập từ tệp CSV" not in teacher.get("/topics/?subject=toan&grade=10").get_data(as_text=True)
    assert teacher.post("/topics/add", data={"subject": "toan", "grade": "10", "name": "X"}).status_code == 403
    assert _login(app, "hs.anh").get("/topics/").status_code == 403
