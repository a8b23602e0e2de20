"""The admin console (/admin): who may open it, and the onboarding path it offers, on the real app and database."""
from __future__ import annotations

import io
import re
import subprocess

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from lms.core.db import db
from tests.conftest import PASSWORD

CONSOLE_PAGES = ["/admin/", "/admin/schools", "/admin/years", "/admin/classes", "/admin/users", "/admin/users/new",
                 "/admin/import", "/admin/promote"]


def web_login(app, username, password=PASSWORD):
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return client


def roster_xlsx(rows, header=("Tên đăng nhập", "Họ và tên", "Lớp", "Vai trò")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


STUDENTS = [("hs.hoa", "Nguyễn Thị Hoà", "10A5", "Học sinh"), ("hs.duc", "Trần Đức Mạnh", "10A5", "Học sinh"),
            ("hs.yen", "Lê Hải Yến", "11B2", "HS"), ("gv.thuy", "Phạm Thu Thuỷ", "", "Giáo viên")]


@pytest.mark.parametrize("role", ["teacher", "student", "department"])
def test_console_is_forbidden_to_every_other_role(world, app, role):
    username = {"teacher": "gv.lan", "student": "hs.anh", "department": "sogd"}[role]
    client = web_login(app, username)
    for url in CONSOLE_PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/schools", data={"name": "X", "code": "X"}).status_code == 403
    assert client.post(f"/admin/classes/{world.klass}/cards").status_code == 403
    assert client.get("/admin/import/template.xlsx").status_code == 403


def test_console_sends_anonymous_visitors_to_sign_in(world, client):
    for url in CONSOLE_PAGES:
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url


def test_every_console_page_is_vietnamese_and_uncached_for_the_admin(world, app):
    client = web_login(app, "quantri")
    for url in CONSOLE_PAGES + [f"/admin/classes/{world.klass}", f"/admin/users/{world.student}",
                                f"/admin/schools/{world.school}"]:
        resp = client.get(url)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        assert '<html lang="vi">' in html and "UTC" not in html, url
        assert resp.headers["Cache-Control"] == "no-store"
    assert "Quản trị" in client.get("/dashboard").get_data(as_text=True)


def test_admin_creates_a_school_a_year_and_a_class_with_teachers(world, app):
    from lms.accounts.models import School, SchoolClass, SchoolYear, TeachingAssignment

    client = web_login(app, "quantri")
    resp = client.post("/admin/schools", data={"name": "Trường THCS Lê Lợi", "code": "THCS-LL"})
    assert resp.status_code == 302
    assert client.post("/admin/schools", data={"name": "Trùng mã", "code": "THCS-LL"}).status_code == 409
    assert client.post("/admin/years", data={"name": "2026-2027", "starts_on": "05/09/2026",
                                             "ends_on": "31/05/2027", "is_current": "on"}).status_code == 302
    undated = client.post("/admin/years", data={"name": "2027-2028", "starts_on": "", "ends_on": "31/05/2027"})
    assert undated.status_code == 422 and "Nhập ngày (dd/mm/yyyy)." in undated.get_data(as_text=True)
    with app.app_context():
        year_id = db.session.scalar(select(SchoolYear.id).where(SchoolYear.name == "2026-2027"))
    edit = client.get(f"/admin/years/{year_id}").get_data(as_text=True)  # the edit form shows what was saved
    assert 'value="05/09/2026"' in edit and 'value="31/05/2027"' in edit and 'type="date"' not in edit
    bad = client.post("/admin/years", data={"name": "2026-2028", "starts_on": "2026-09-05", "ends_on": "2027-05-31"})
    assert bad.status_code == 422 and "hai năm liên tiếp" in bad.get_data(as_text=True)
    resp = client.post("/admin/classes", data={"school_id": world.school, "name": "11C3", "grade": "11",
                                               "school_year": "2026-2027", "homeroom_teacher_id": world.teacher2})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(School.id).where(School.code == "THCS-LL"))
        assert db.session.scalar(select(SchoolYear.is_current).where(SchoolYear.name == "2026-2027")) is True
        klass = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "11C3"))
        assert klass.homeroom_teacher_id == world.teacher2 and klass.grade == 11
        class_id = klass.id
    page = f"/admin/classes/{class_id}"
    assert client.post(page, data={"action": "assign", "teacher_id": world.teacher, "subject": "toan"}).status_code == 303
    assert client.post(page, data={"action": "enrol", "usernames": "hs.anh\nhs.bao"}).status_code == 303
    missing = client.post(page, data={"action": "enrol", "usernames": "khong.co"})
    assert missing.status_code == 422 and "khong.co" in missing.get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    assert "Lê Minh Anh" in html and "Phạm Gia Bảo" in html and "Toán" in html
    assert client.post(page, data={"action": "unassign", "teacher_id": world.teacher, "subject": "toan"}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TeachingAssignment)
                                 .where(TeachingAssignment.class_id == class_id)) == 0


def test_roster_preview_writes_nothing_and_confirm_imports_what_was_previewed(world, app):
    from lms.accounts.models import SchoolClass, User

    client = web_login(app, "quantri")
    data = roster_xlsx(STUDENTS)
    with app.app_context():
        users_before = db.session.scalar(select(func.count()).select_from(User))
    resp = client.post("/admin/import/preview", data={
        "file": (io.BytesIO(data), "danh-sach.xlsx"), "school_id": str(world.school), "school_year": "2026-2027",
        "create_classes": "on"}, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Nguyễn Thị Hoà" in html and "lớp mới" in html and "10A5, 11B2" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users_before
        assert db.session.scalar(select(SchoolClass.id).where(SchoolClass.name == "10A5")) is None
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html).group(1)
    resp = client.post("/admin/import/confirm", data={"digest": digest, "filename": "danh-sach.xlsx",
                                                      "school_id": str(world.school), "school_year": "2026-2027",
                                                      "create_classes": "on"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "In thẻ tài khoản lớp 10A5" in html
    with app.app_context():
        klass = db.session.scalar(select(SchoolClass).where(SchoolClass.name == "10A5"))
        assert klass.grade == 10 and klass.school_year == "2026-2027" and klass.school_id == world.school
        hoa = db.session.scalar(select(User).where(User.username == "hs.hoa"))
        assert hoa.full_name == "Nguyễn Thị Hoà" and hoa.must_change_password
        assert db.session.scalar(select(User.role).where(User.username == "gv.thuy")) == "teacher"
    # The kept file is gone once imported: confirming twice cannot import twice.
    again = client.post("/admin/import/confirm", data={"digest": digest, "school_id": str(world.school)})
    assert again.status_code == 303 and again.headers["Location"].endswith("/admin/import")


def test_roster_preview_reports_each_bad_row_and_partial_confirm_skips_them(world, app):
    from lms.accounts.models import User

    client = web_login(app, "quantri")
    rows = STUDENTS[:2] + [("hs.anh", "Trùng tài khoản khác trường", "10A5", "Học sinh"),
                           ("", "Không tên đăng nhập", "10A5", ""), ("hs.x", "Lớp lạ", "ABC", "")]
    resp = client.post("/admin/import/preview", data={
        "file": (io.BytesIO(roster_xlsx(rows)), "loi.xlsx"), "school_id": str(world.other_school),
        "school_year": "2026-2027", "create_classes": "on"}, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Thiếu tên đăng nhập" in html and "Không đoán được khối của lớp ABC" in html
    assert "vai trò hoặc trường khác" in html and "3 dòng lỗi" in html
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', html).group(1)
    form = {"digest": digest, "school_id": str(world.other_school), "school_year": "2026-2027", "create_classes": "on"}
    refused = client.post("/admin/import/confirm", data=form)
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "hs.hoa")) is None
    done = client.post("/admin/import/confirm", data=form | {"partial": "on"})
    assert done.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(User.school_id).where(User.username == "hs.hoa")) == world.other_school


def test_roster_preview_refuses_a_file_that_is_not_a_roster(world, app):
    client = web_login(app, "quantri")
    resp = client.post("/admin/import/preview", data={"file": (io.BytesIO(b"\x00\xff\xfe binary"), "x.csv"),
                                                      "school_id": str(world.school)},
                       content_type="multipart/form-data")
    assert resp.status_code == 415 and "CSV" in resp.get_data(as_text=True)
    forged = client.post("/admin/import/confirm", data={"digest": "../../etc/passwd", "school_id": str(world.school)})
    assert forged.status_code == 303


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "cards.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_account_cards_print_fresh_passwords_that_force_a_change(world, app, tmp_path):
    client = web_login(app, "quantri")
    resp = client.post(f"/admin/classes/{world.klass}/cards")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "attachment" in resp.headers["Content-Disposition"] and "10A1" in resp.headers["Content-Disposition"]
    assert resp.headers["Cache-Control"] == "no-store"
    text = _pdf_text(resp.data, tmp_path)
    assert "Lê Minh Anh" in text and "Phạm Gia Bảo" in text and "Lớp: 10A1" in text
    assert "hs.anh" in text and "Trường THPT Chu Văn An" in text
    password = re.search(r"hs\.anh\s+Mật khẩu lần đầu:\s+(\S+)|Mật khẩu lần đầu:\s+(\S+)", text)
    passwords = re.findall(r"Mật khẩu lần đầu:\s+([a-z0-9]{10})", text)
    assert len(passwords) == 2 and password
    # The old password no longer works; one of the printed ones does, and only to change it.
    assert app.test_client().post("/login", data={"username": "hs.anh", "password": PASSWORD}).status_code == 401
    student = None
    for candidate in passwords:
        c = app.test_client()
        if c.post("/login", data={"username": "hs.anh", "password": candidate}).status_code == 302:
            student, card_password = c, candidate
    assert student is not None
    resp = student.get("/dashboard")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password")
    weak = student.post("/account/password", data={"current_password": card_password, "new_password": "ngan",
                                                   "confirm": "ngan"})
    assert weak.status_code == 422 and "ít nhất 10" in weak.get_data(as_text=True)
    ok = student.post("/account/password", data={"current_password": card_password,
                                                 "new_password": "mat-khau-cua-anh", "confirm": "mat-khau-cua-anh"})
    assert ok.status_code == 302
    assert student.get("/dashboard").status_code == 200


def test_api_answers_403_password_change_required_until_changed(world, app, factory):
    admin = world.as_("admin")
    issued = admin.post(f"/users/{world.student}/password-reset")
    assert issued.status_code == 200
    password = issued.get_json()["password"]
    anon = factory.api()
    token = anon.post("/auth/token", json={"username": "hs.anh", "password": password}).get_json()["token"]
    assert anon.post("/auth/token", json={"username": "hs.anh", "password": password}).get_json()["user"][
        "must_change_password"] is True
    student = type(anon)(app, token)
    blocked = student.get("/exams/assigned")
    assert blocked.status_code == 403
    assert blocked.get_json()["type"].endswith("/password-change-required")
    assert blocked.mimetype == "application/problem+json"
    assert student.get("/me").status_code == 200
    assert student.post("/me/password", json={"current_password": "sai", "new_password": "mat-khau-moi-1"}
                        ).status_code == 422
    assert student.post("/me/password", json={"current_password": password, "new_password": "mat-khau-moi-1"}
                        ).status_code == 204
    assert student.get("/exams/assigned").status_code == 200


def test_admin_edits_deactivates_and_resets_a_user_in_the_console(world, app):
    from lms.accounts.models import User

    client = web_login(app, "quantri")
    page = f"/admin/users/{world.teacher2}"
    assert client.post(page, data={"action": "edit", "full_name": "Trần Văn Minh Đức", "role": "teacher",
                                   "school_id": world.school}).status_code == 303
    assert client.post(page, data={"action": "deactivate"}).status_code == 303
    assert app.test_client().post("/login", data={"username": "gv.minh", "password": PASSWORD}).status_code == 401
    assert client.post(page, data={"action": "activate"}).status_code == 303
    issued = client.post(page, data={"action": "reset_password"})
    html = issued.get_data(as_text=True)
    password = re.search(r'id="issued-password">([a-z0-9]+)<', html).group(1)
    assert app.test_client().post("/login", data={"username": "gv.minh", "password": password}).status_code == 302
    own = client.post(f"/admin/users/{world.admin}", data={"action": "deactivate"})
    assert own.status_code == 409
    with app.app_context():
        user = db.session.get(User, world.teacher2)
        assert user.full_name == "Trần Văn Minh Đức" and user.active and user.must_change_password
    # A student still in a class cannot be moved to another school silently.
    moved = client.post(f"/admin/users/{world.student}", data={"action": "edit", "full_name": "Lê Minh Anh",
                                                               "role": "student", "school_id": world.other_school})
    assert moved.status_code == 409


def test_user_list_searches_and_filters(world, app):
    client = web_login(app, "quantri")
    html = client.get("/admin/users?q=Lan").get_data(as_text=True)
    assert "Nguyễn Thị Lan" in html and "Lê Minh Anh" not in html
    html = client.get(f"/admin/users?role=student&class_id={world.klass}").get_data(as_text=True)
    assert "Lê Minh Anh" in html and "Đỗ Văn Ngoại" not in html and "Nguyễn Thị Lan" not in html
    html = client.get(f"/admin/users?school_id={world.other_school}").get_data(as_text=True)
    assert "Đỗ Văn Ngoại" in html and "Lê Minh Anh" not in html


def test_last_seen_is_recorded_at_most_every_few_minutes(world, app):
    from lms.accounts.models import User

    client = world.as_("teacher")
    client.get("/me")
    with app.app_context():
        first = db.session.get(User, world.teacher).last_seen_at
    assert first is not None
    client.get("/me")
    with app.app_context():
        assert db.session.get(User, world.teacher).last_seen_at == first


def test_promotion_moves_classes_up_a_grade_with_their_students(world, app, factory):
    from lms.accounts.models import Enrolment, SchoolClass

    last_year = factory.klass(world.school, name="12A3", grade=12)
    factory.enrol(last_year, world.student2)
    client = web_login(app, "quantri")
    preview = client.get(f"/admin/promote?school_id={world.school}&from_year=2026-2027&to_year=2027-2028")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "11A1 (khối 11)" in html and "cuối cấp, không chuyển" in html
    with app.app_context():
        assert db.session.scalar(select(SchoolClass.id).where(SchoolClass.school_year == "2027-2028")) is None
    form = {"school_id": world.school, "from_year": "2026-2027", "to_year": "2027-2028"}
    assert client.post("/admin/promote", data=form).status_code == 303
    assert client.post("/admin/promote", data=form).status_code == 303  # twice: nothing doubles
    with app.app_context():
        new = db.session.scalars(select(SchoolClass).where(SchoolClass.school_year == "2027-2028")).all()
        assert [(k.name, k.grade) for k in new] == [("11A1", 11)]
        students = set(db.session.scalars(select(Enrolment.student_id).where(Enrolment.class_id == new[0].id)))
        assert students == {world.student, world.student2}
    backwards = client.post("/admin/promote", data=form | {"to_year": "2025-2026"})
    assert backwards.status_code == 422
    assert client.post("/admin/promote", data=form | {"to_year": "2027-2029"}).status_code == 422


def test_the_roster_template_imports_as_it_is(world, app):
    client = web_login(app, "quantri")
    resp = client.get("/admin/import/template.xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''m%E1%BA%ABu" in resp.headers["Content-Disposition"]
    preview = client.post("/admin/import/preview", data={
        "file": (io.BytesIO(resp.data), "mau.xlsx"), "school_id": str(world.school), "school_year": "2026-2027",
        "create_classes": "on"}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Nguyễn Văn An" in html and "Trần Thị Bình" in html
    assert "0</strong> dòng lỗi" in html
