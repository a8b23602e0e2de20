"""Password policy: at least 10 characters and not on the bundled list of common passwords (Vietnamese ones
too), the same rule for user creation, password change, admin reset and roster import."""
import io

import pytest

from lms.accounts import passwords

from tests.conftest import PASSWORD


@pytest.mark.parametrize("weak", ["123456789a", "matkhau123", "MatKhau-123", "Mat khau 1234", "1234567890",
                                  "qwertyuiop", "anhyeuem123", "password123", "aaaaaaaaaaaa", "abababababab",
                                  "ngan", "123456789"])
def test_weak_passwords_are_refused(weak):
    assert passwords.problems(weak) != []


@pytest.mark.parametrize("good", ["hoclieuso2026", PASSWORD, "mot-cau-de-nho-2026", "Tôi học lớp 10A1"])
def test_reasonable_passwords_pass(good):
    # The documented demo password stays valid, and so do the test factories'.
    assert passwords.problems(good) == []


def test_password_close_to_the_username_is_refused():
    assert passwords.problems("nguyenvanan1", username="nguyen.van.an") != []
    assert passwords.problems("nguyen-van-an-hoc-gioi-toan", username="nguyen.van.an") == []


def test_bundled_list_is_loaded_and_normalised():
    common = passwords.common_passwords()
    assert "matkhau123" in common and "123456789a" in common and len(common) > 100
    assert "hoclieuso2026" not in common


@pytest.mark.parametrize("password", ["123456789a", "matkhau123", "short"])
def test_user_creation_refuses_weak_passwords(world, password):
    resp = world.as_("admin").post("/users", json={"username": "gv.moi", "password": password, "role": "teacher",
                                                   "school_id": world.school})
    assert resp.status_code == 422 and "password" in resp.get_json()["errors"]


def test_user_creation_accepts_a_good_password(world):
    resp = world.as_("admin").post("/users", json={"username": "gv.moi", "password": "day-toan-lop-10",
                                                   "role": "teacher", "school_id": world.school})
    assert resp.status_code == 201


def test_cli_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "qt.yeu", "--role", "admin",
                                                "--password", "matkhau123"])
    assert result.exit_code != 0 and "phổ biến" in result.output


def test_roster_rows_with_weak_passwords_get_a_clear_per_row_error(world):
    csv = ("username,full_name,role,class,password\n"
           "hs.tot,Học Sinh Tốt,student,10A1,lop-10a1-hoc-gioi\n"
           "hs.yeu,Mật Khẩu Yếu,student,10A1,123456789a\n"
           "hs.ngan,Mật Khẩu Ngắn,student,10A1,abc123\n").encode()
    resp = world.as_("admin").request("POST", f"/users/import?school_id={world.school}",
                                      data={"file": (io.BytesIO(csv), "lop.csv")}, content_type="multipart/form-data")
    body = resp.get_json()
    assert body["created"] == 0
    errors = {e["row"]: e["message"] for e in body["errors"]}
    assert set(errors) == {3, 4}
    assert "phổ biến" in errors[3] and "10 ký tự" in errors[4]
