import io

from openpyxl import Workbook
from sqlalchemy import func, select

from lms.accounts.models import Enrolment, User
from lms.core.db import db


def _upload(client, data: bytes, name="roster.csv", query=""):
    return client.request("POST", "/users/import" + query, data={"file": (io.BytesIO(data), name)},
                          content_type="multipart/form-data")


def _users(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_csv_roster_creates_students_and_enrols_them(world, app):
    csv = ("Tên đăng nhập,Họ và tên,Vai trò,Lớp,Mật khẩu\n"
           "hs.cuong,Ngô Văn Cường,học sinh,10A1,cuong-10a1-2026\n"
           "hs.dung,Vũ Thị Dung,HS,10A1,\n").encode()
    resp = _upload(world.as_("admin"), csv, query=f"?school_id={world.school}")
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert (body["created"], body["updated"], body["errors"]) == (2, 0, [])
    # The student without a password gets a generated one, shown once.
    assert [p["username"] for p in body["initial_passwords"]] == ["hs.dung"]
    with app.app_context():
        enrolled = set(db.session.scalars(select(Enrolment.student_id).where(Enrolment.class_id == world.klass)))
        cuong = db.session.scalar(select(User).where(User.username == "hs.cuong"))
        assert cuong.id in enrolled and cuong.full_name == "Ngô Văn Cường"
    token = world.as_("anonymous").post("/auth/token", json={"username": "hs.cuong", "password": "cuong-10a1-2026"})
    assert token.status_code == 200


def test_xlsx_roster_with_semicolon_free_layout(world):
    wb = Workbook()
    ws = wb.active
    ws.append(["username", "full_name", "role", "class"])
    ws.append(["gv.hoa", "Đặng Thu Hoa", "giáo viên", None])
    ws.append(["hs.em", "Lý Gia Em", "student", "10A1"])
    out = io.BytesIO()
    wb.save(out)
    body = _upload(world.as_("admin"), out.getvalue(), "lop.xlsx", f"?school_id={world.school}").get_json()
    assert body["created"] == 2 and body["errors"] == []


def test_bad_rows_import_nothing_and_name_each_row(world, app):
    before = _users(app)
    csv = ("username,full_name,role,class\n"
           "hs.ok,Học Sinh Tốt,student,10A1\n"
           ",Thiếu Tên Đăng Nhập,student,10A1\n"
           "hs.x,Lớp Sai,student,99Z9\n"
           "hs.y,Vai Trò Sai,phù thủy,\n"
           "hs.ok,Trùng Lặp,student,\n").encode()
    body = _upload(world.as_("admin"), csv, query=f"?school_id={world.school}").get_json()
    assert body["created"] == 0 and body["updated"] == 0
    rows = sorted({e["row"] for e in body["errors"]})
    assert rows == [3, 4, 5, 6]
    assert any("99Z9" in e["message"] for e in body["errors"])
    assert _users(app) == before  # nothing half-imported


def test_partial_import_keeps_the_good_rows(world, app):
    before = _users(app)
    csv = "username,full_name\nhs.tot,Học Sinh Tốt\n,Không Tên\n".encode()
    body = _upload(world.as_("admin"), csv, query=f"?school_id={world.school}&partial=true").get_json()
    assert body["created"] == 1 and len(body["errors"]) == 1
    assert _users(app) == before + 1


def test_existing_user_is_updated_not_duplicated(world):
    csv = "username,full_name,role\nhs.anh,Lê Minh Anh (đã sửa),student\n".encode()
    body = _upload(world.as_("admin"), csv, query=f"?school_id={world.school}").get_json()
    assert (body["created"], body["updated"]) == (0, 1)


def test_garbage_and_empty_files_are_4xx(world):
    assert _upload(world.as_("admin"), b"").status_code == 422
    assert _upload(world.as_("admin"), b"\xff\xfe\x00garbage\x00" * 10).status_code == 415
    assert _upload(world.as_("admin"), b"PK\x03\x04not really a zip", "x.xlsx").status_code == 415
    assert _upload(world.as_("admin"), b"a,b\n1,2\n").status_code == 422  # no username/full_name header


def test_only_admins_import(world):
    assert _upload(world.as_("teacher"), b"username,full_name\na,b\n").status_code == 403


def test_roster_creates_parent_accounts_and_links_siblings_to_one(world, app, factory):
    csv = ("Tên đăng nhập,Họ và tên,Lớp,Tài khoản phụ huynh,Họ tên phụ huynh,Quan hệ\n"
           "hs.cuong,Ngô Văn Cường,10A1,ph.ngo,Ngô Thị Hoa,mẹ\n"
           "hs.chi,Ngô Thị Chi,10A1,ph.ngo,Ngô Thị Hoa,mẹ\n"
           "hs.dung,Vũ Thị Dung,10A1,,,\n").encode()
    resp = _upload(world.as_("admin"), csv, query=f"?school_id={world.school}")
    body = resp.get_json()
    assert resp.status_code == 200 and body["errors"] == [], body
    assert body["created"] == 4  # three students and one parent, created once for the two siblings
    assert "ph.ngo" in [p["username"] for p in body["initial_passwords"]]
    with app.app_context():
        parent = db.session.scalar(select(User).where(User.username == "ph.ngo"))
        assert (parent.role, parent.full_name, parent.school_id) == ("parent", "Ngô Thị Hoa", None)
        parent_id = parent.id
        assert parent.must_change_password  # a handed-out password: the parent chooses their own first
        parent.must_change_password = False
        db.session.commit()
    children = factory.api(parent_id).get("/me/children").get_json()
    assert sorted((c["full_name"], c["relation"]) for c in children) == [("Ngô Thị Chi", "mẹ"),
                                                                          ("Ngô Văn Cường", "mẹ")]


def test_roster_refuses_a_parent_column_naming_a_non_parent_account(world, app):
    before = _users(app)
    csv = ("username,full_name,class,parent_username\n"
           "hs.cuong,Ngô Văn Cường,10A1,gv.lan\n"
           "hs.dung,Vũ Thị Dung,10A1,hs.cuong\n").encode()
    resp = _upload(world.as_("admin"), csv, query=f"?school_id={world.school}")
    body = resp.get_json()
    assert [e["row"] for e in body["errors"]] == [2, 3]
    assert "không phải tài khoản phụ huynh" in body["errors"][0]["message"]
    assert _users(app) == before
