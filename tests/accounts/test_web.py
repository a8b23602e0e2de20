import re

from tests.conftest import PASSWORD


def test_login_page_is_vietnamese_and_labelled(client):
    resp = client.get("/login")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert '<html lang="vi">' in html
    assert 'for="username"' in html and 'for="password"' in html
    assert "Đăng nhập" in html
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]


def test_login_then_dashboard_then_logout(world, client):
    resp = client.post("/login", data={"username": "gv.lan", "password": PASSWORD})
    assert resp.status_code == 302
    dash = client.get("/dashboard")
    assert dash.status_code == 200 and "Nguyễn Thị Lan" in dash.get_data(as_text=True)
    assert "Lớp 10A1" in dash.get_data(as_text=True)
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_shows_error(world, client):
    resp = client.post("/login", data={"username": "gv.lan", "password": "sai-mat-khau"})
    assert resp.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in resp.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(world, client):
    resp = client.post("/login?next=//evil.example/x", data={"username": "gv.lan", "password": PASSWORD})
    assert resp.headers["Location"].endswith("/dashboard")


def test_csrf_is_enforced_on_forms_and_cookie_api_writes(world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        assert client.post("/login", data={"username": "gv.lan", "password": PASSWORD}).status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
            re.search(r'name="csrf-token" content="([^"]+)"', page)
        resp = client.post("/login", data={"username": "gv.lan", "password": PASSWORD, "csrf_token": token.group(1)})
        assert resp.status_code == 302
        # Signed in by cookie: an API write without the CSRF header is refused, with it accepted.
        body = {"subject": "toan", "grade": 10, "name": "Hàm số"}
        assert client.post("/api/v1/topics", json=body).status_code == 400
        meta = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/dashboard").get_data(as_text=True))
        assert client.post("/api/v1/topics", json=body, headers={"X-CSRFToken": meta.group(1)}).status_code == 201
        # A bearer-token call needs no CSRF token: a browser never attaches one by itself.
        api = world.as_("teacher")
        assert api.post("/topics", json=body).status_code == 201
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_pages_stay_vietnamese_without_a_half_working_english_switch(client):
    # No template is translated, so ?lang=en must not relabel Vietnamese text as English (screen readers).
    resp = client.get("/login?lang=en")
    assert '<html lang="vi">' in resp.get_data(as_text=True)


def test_error_page_is_html_for_browsers(client):
    resp = client.get("/khong-co-trang-nay", headers={"Accept": "text/html"})
    assert resp.status_code == 404 and "Không tìm thấy" in resp.get_data(as_text=True)


def test_change_password_page_signs_out_other_browsers(world, app, client):
    assert client.post("/login", data={"username": "hs.anh", "password": PASSWORD}).status_code == 302
    other = app.test_client()
    assert other.post("/login", data={"username": "hs.anh", "password": PASSWORD}).status_code == 302
    page = client.get("/account/password")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'for="new_password"' in html and "10 ký tự" in html
    weak = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "matkhau123",
                                                  "confirm": "matkhau123"})
    assert weak.status_code == 422 and "phổ biến" in weak.get_data(as_text=True)
    mismatch = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "new_password": "lop-muoi-a-mot", "confirm": "lop-muoi-a-hai"})
    assert mismatch.status_code == 422 and "không khớp" in mismatch.get_data(as_text=True)
    wrong = client.post("/account/password", data={"current_password": "khong-phai-mat-khau",
                                                   "new_password": "lop-muoi-a-mot", "confirm": "lop-muoi-a-mot"})
    assert wrong.status_code == 422 and "không đúng" in wrong.get_data(as_text=True)
    assert other.get("/dashboard").status_code == 200  # nothing changed yet
    done = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "lop-muoi-a-mot",
                                                  "confirm": "lop-muoi-a-mot"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_change_password_page_needs_sign_in(client):
    resp = client.get("/account/password")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
