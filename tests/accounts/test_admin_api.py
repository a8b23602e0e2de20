"""The accounts API the admin console builds on: users, school years, classes, teachers, roster dry run."""
from __future__ import annotations

import io

from sqlalchemy import func, select

from lms.core.db import db


def test_patch_user_is_admin_only_and_validated(world):
    body = {"full_name": "Trần Văn Minh", "active": False}
    for role in ("teacher", "student", "department"):
        assert world.as_(role).patch(f"/users/{world.teacher2}", json=body).status_code == 403
    admin = world.as_("admin")
    resp = admin.patch(f"/users/{world.teacher2}", json=body)
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert admin.patch("/users/999999", json=body).status_code == 404
    assert admin.patch(f"/users/{world.teacher2}", json={"role": "hieu-truong"}).status_code == 422
    assert admin.patch(f"/users/{world.admin}", json={"role": "teacher"}).status_code == 409
    assert admin.patch(f"/users/{world.student}", json={"role": "teacher"}).status_code == 409  # still enrolled
    assert admin.get(f"/users/{world.teacher2}").get_json()["full_name"] == "Trần Văn Minh"


def test_deactivating_a_user_ends_their_api_sessions(world):
    teacher = world.as_("teacher2")
    assert teacher.get("/me").status_code == 200
    assert world.as_("admin").patch(f"/users/{world.teacher2}", json={"active": False}).status_code == 200
    assert teacher.get("/me").status_code == 401


def test_password_reset_is_admin_only(world):
    assert world.as_("teacher").post(f"/users/{world.student}/password-reset").status_code == 403
    resp = world.as_("admin").post(f"/users/{world.student}/password-reset")
    assert resp.status_code == 200 and len(resp.get_json()["password"]) >= 8


def test_school_years_and_school_edit(world):
    admin = world.as_("admin")
    year = {"name": "2026-2027", "starts_on": "2026-09-05", "ends_on": "2027-05-31", "is_current": True}
    assert world.as_("teacher").post("/school-years", json=year).status_code == 403
    created = admin.post("/school-years", json=year)
    assert created.status_code == 201 and created.get_json()["is_current"]
    assert admin.post("/school-years", json=year).status_code == 409
    nxt = admin.post("/school-years", json=year | {"name": "2027-2028", "starts_on": "2027-09-05",
                                                    "ends_on": "2028-05-31"})
    listed = admin.get("/school-years").get_json()
    assert [y["name"] for y in listed] == ["2027-2028", "2026-2027"]
    assert [y["is_current"] for y in listed] == [True, False]
    assert admin.put(f"/school-years/{nxt.get_json()['id']}", json=year | {"name": "2027-2028",
                                                                         "ends_on": "2026-01-01"}).status_code == 422
    assert admin.patch(f"/schools/{world.school}", json={"code": "THPT-KHAC"}).status_code == 409
    assert admin.patch(f"/schools/{world.school}", json={"name": "THPT Chu Văn An"}).get_json()["name"] == \
        "THPT Chu Văn An"


def test_class_teachers_students_and_homeroom(world):
    admin, teacher = world.as_("admin"), world.as_("teacher")
    assert teacher.get(f"/classes/{world.klass}").status_code == 200
    assert world.as_("teacher2").get(f"/classes/{world.klass}").status_code == 404
    assert teacher.patch(f"/classes/{world.klass}", json={"homeroom_teacher_id": world.teacher2}).status_code == 403
    resp = admin.patch(f"/classes/{world.klass}", json={"homeroom_teacher_id": world.teacher2, "name": "10A2"})
    assert resp.status_code == 200 and resp.get_json()["homeroom_teacher_id"] == world.teacher2
    assert admin.patch(f"/classes/{world.klass}", json={"homeroom_teacher_id": world.student}).status_code == 422
    assert admin.post(f"/classes/{world.klass}/teachers", json={"teacher_id": world.teacher2,
                                                                 "subject": "ngu-van"}).status_code == 201
    listed = teacher.get(f"/classes/{world.klass}/teachers").get_json()
    assert {(a["teacher_id"], a["subject"]) for a in listed} == {(world.teacher, "toan"), (world.teacher2, "ngu-van")}
    assert teacher.delete(f"/classes/{world.klass}/teachers/{world.teacher2}/ngu-van").status_code == 403
    assert admin.delete(f"/classes/{world.klass}/teachers/{world.teacher2}/ngu-van").status_code == 204
    assert admin.delete(f"/classes/{world.klass}/teachers/{world.teacher2}/ngu-van").status_code == 404
    students = teacher.get(f"/classes/{world.klass}/students").get_json()
    assert [s["full_name"] for s in students] == ["Lê Minh Anh", "Phạm Gia Bảo"]
    # teacher (gv.lan) is no longer homeroom: only the admin or the new homeroom teacher may take a student out.
    assert teacher.delete(f"/classes/{world.klass}/students/{world.student}").status_code == 403
    assert world.as_("teacher2").delete(f"/classes/{world.klass}/students/{world.student}").status_code == 204
    assert admin.get(f"/classes?school_id={world.other_school}").get_json()["total"] == 0


def test_roster_dry_run_reports_rows_and_writes_nothing(world, app):
    from lms.accounts.models import SchoolClass, User

    csv = "Tên đăng nhập,Họ và tên,Lớp\nhs.moi,Nguyễn Văn Mới,10A9\nhs.anh,Lê Minh Anh,10A1\n".encode()
    admin = world.as_("admin")
    resp = admin.post(f"/users/import?school_id={world.school}&dry_run=true&create_classes=true&school_year=2026-2027",
                      data={"file": (io.BytesIO(csv), "ds.csv")}, content_type="multipart/form-data")
    body = resp.get_json()
    assert resp.status_code == 200 and body["dry_run"] is True
    assert [(r["username"], r["action"], r["new_class"]) for r in body["rows"]] == [
        ("hs.moi", "create", True), ("hs.anh", "update", False)]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "hs.moi")) == 0
        assert db.session.scalar(select(SchoolClass.id).where(SchoolClass.name == "10A9")) is None
    resp = admin.post(f"/users/import?school_id={world.school}&create_classes=true&school_year=2026-2027",
                      data={"file": (io.BytesIO(csv), "ds.csv")}, content_type="multipart/form-data")
    assert resp.get_json()["created"] == 1 and resp.get_json()["classes_created"] == ["10A9"]


def test_grade_is_read_from_the_class_name():
    from lms.accounts.roster import grade_from_class_name

    assert [grade_from_class_name(n) for n in ("10A1", "6/2", " 12 Toán", "1A", "A1", "13A", "")] == \
        [10, 6, 12, 1, None, None, None]
