"""Sessions end server-side: sign-out, sign-out everywhere, password change and suspension stop every copy of a
session cookie and (where said) every API token at once; cookies carry Secure/HttpOnly/SameSite."""
import pytest

from lms.accounts.models import User
from lms.app import create_app
from lms.core.db import db

from tests.conftest import PASSWORD


def _signed_in(app, username="gv.lan", password=PASSWORD):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": password}).status_code == 302
    return client


def _copy(app, client):
    """A second browser holding a copy of ``client``'s session cookie (a stolen or shared cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_web_logout_ends_a_copied_session_cookie(world, app):
    client = _signed_in(app)
    phone = _signed_in(app)  # the same teacher in another browser
    thief = _copy(app, client)
    assert thief.get("/api/v1/me").status_code == 200
    assert client.post("/logout").status_code == 302
    assert thief.get("/api/v1/me").status_code == 401
    assert thief.get("/dashboard").status_code == 302
    assert phone.get("/api/v1/me").status_code == 200  # signing out here does not sign the phone out
    # Signing in again gives a working session.
    assert _signed_in(app).get("/api/v1/me").status_code == 200


def test_session_rows_hold_no_raw_id_and_expire_with_the_session_lifetime(world, app, monkeypatch):
    from datetime import timedelta

    from sqlalchemy import select

    from lms.accounts.models import WebSession

    client = _signed_in(app)
    raw = None
    with client.session_transaction() as session:
        raw = session["lms_sid"]
    with app.app_context():
        hashes = db.session.scalars(select(WebSession.token_hash)).all()
        assert len(hashes) == 1 and raw not in hashes
    monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=0))
    assert client.get("/api/v1/me").status_code == 401  # past its lifetime the session is refused
    _signed_in(app, "hs.anh")  # the next sign-in purges the expired row
    with app.app_context():
        assert db.session.scalar(select(db.func.count(WebSession.id))) == 1


def test_api_logout_with_the_cookie_ends_copies_and_with_a_token_revokes_it(world, app, factory):
    client = _signed_in(app)
    other_browser = _signed_in(app)
    thief = _copy(app, client)
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    assert thief.get("/api/v1/me").status_code == 401
    assert other_browser.get("/api/v1/me").status_code == 200
    api = factory.api(world.teacher)
    other = factory.api(world.teacher)
    assert api.post("/auth/logout").status_code == 204
    assert api.get("/me").status_code == 401
    assert other.get("/me").status_code == 200  # another device's token is left alone


def test_logout_everywhere_ends_cookies_and_tokens(world, app, factory):
    client, other = _signed_in(app), _signed_in(app)
    api = factory.api(world.teacher)
    assert client.post("/api/v1/auth/logout-all").status_code == 204
    assert api.get("/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 401 and other.get("/api/v1/me").status_code == 401
    again = _signed_in(app)
    api = factory.api(world.teacher)
    assert api.post("/auth/logout-all").status_code == 204  # with a token, too
    assert api.get("/me").status_code == 401 and again.get("/api/v1/me").status_code == 401
    assert factory.api(world.student).get("/me").status_code == 200  # nobody else is affected


def test_password_change_ends_other_sessions_but_keeps_this_one(world, app, factory):
    client = _signed_in(app)
    elsewhere = _signed_in(app)
    token = factory.api(world.teacher)
    resp = client.post("/api/v1/me/password", json={"current_password": PASSWORD,
                                                     "new_password": "mot-cau-de-nho-2026"})
    assert resp.status_code == 204
    assert client.get("/api/v1/me").status_code == 200  # the browser that changed it stays signed in
    assert elsewhere.get("/api/v1/me").status_code == 401
    assert token.get("/me").status_code == 401
    assert factory.api().post("/auth/token", json={"username": "gv.lan", "password": PASSWORD}).status_code == 401
    assert factory.api().post("/auth/token", json={"username": "gv.lan",
                                                   "password": "mot-cau-de-nho-2026"}).status_code == 200


def test_password_change_over_the_api_keeps_the_calling_token(world, factory):
    api, other = factory.api(world.student), factory.api(world.student)
    resp = api.post("/me/password", json={"current_password": PASSWORD, "new_password": "hoc-sinh-gioi-10a1"})
    assert resp.status_code == 204
    assert api.get("/me").status_code == 200 and other.get("/me").status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"current_password": "sai-mat-khau-roi", "new_password": "mot-cau-de-nho-2026"}, "current_password"),
    ({"current_password": PASSWORD, "new_password": "ngan"}, "new_password"),
    ({"current_password": PASSWORD, "new_password": "matkhau123"}, "new_password"),
    ({"current_password": PASSWORD, "new_password": PASSWORD}, "new_password"),
])
def test_password_change_refusals_are_422_and_change_nothing(world, factory, body, field):
    api = factory.api(world.student)
    resp = api.post("/me/password", json=body)
    assert resp.status_code == 422 and field in resp.get_json()["errors"]
    assert api.get("/me").status_code == 200


def test_suspending_an_account_ends_its_sessions_and_tokens_at_once(world, app, factory):
    client = _signed_in(app, "hs.anh")
    token = factory.api(world.student)
    admin = world.as_("admin")
    resp = admin.patch(f"/users/{world.student}", json={"active": False})
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert client.get("/api/v1/me").status_code == 401
    assert token.get("/me").status_code == 401
    assert factory.api().post("/auth/token", json={"username": "hs.anh", "password": PASSWORD}).status_code == 401
    # Reactivating does not bring the old cookie or token back.
    assert admin.patch(f"/users/{world.student}", json={"active": True}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401
    assert token.get("/me").status_code == 401
    assert _signed_in(app, "hs.anh").get("/api/v1/me").status_code == 200


def test_admin_password_reset_applies_the_policy_and_ends_sessions(world, app, factory):
    client = _signed_in(app, "hs.anh")
    admin = world.as_("admin")
    weak = admin.patch(f"/users/{world.student}", json={"password": "123456789a"})
    assert weak.status_code == 422 and "password" in weak.get_json()["errors"]
    assert client.get("/api/v1/me").status_code == 200
    assert admin.patch(f"/users/{world.student}", json={"password": "bat-dau-hoc-ky-2"}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_account_edits_are_for_admins_and_404_for_unknown_ids(world):
    assert world.as_("teacher").patch(f"/users/{world.student}", json={"active": False}).status_code == 403
    assert world.as_("admin").patch("/users/999999", json={"active": False}).status_code == 404
    # An admin cannot lock themselves out by accident.
    assert world.as_("admin").patch(f"/users/{world.admin}", json={"active": False}).status_code == 409


def test_cookie_from_before_server_sessions_is_ended_by_the_generation(world, app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(world.teacher)  # what a cookie issued before this change holds
    assert client.get("/api/v1/me").status_code == 200
    thief = _copy(app, client)
    assert client.post("/logout").status_code == 302  # no server-side id: every session of the account ends
    assert thief.get("/api/v1/me").status_code == 401
    with app.app_context():
        assert db.session.get(User, world.teacher).session_generation == 1


def test_a_forged_session_id_is_refused(world, app):
    client = _signed_in(app)
    with client.session_transaction() as session:
        session["lms_sid"] = "khong-phai-phien-that"
    assert client.get("/api/v1/me").status_code == 401


def test_session_cookie_flags(world, app):
    client = app.test_client()
    resp = client.post("/login", data={"username": "gv.lan", "password": PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in the embedded default


def test_secure_cookies_when_served_over_https(tmp_path, database_url):
    secure = create_app({"TESTING": True, "LMS_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url,
                         "SECRET_KEY": "s" * 40, "SESSION_COOKIE_SECURE": "true"})
    assert secure.config["SESSION_COOKIE_SECURE"] is True and secure.config["REMEMBER_COOKIE_SECURE"] is True
    with secure.test_request_context("/", base_url="https://lms.example"):
        from flask import session

        session["x"] = 1
        resp = secure.make_response("ok")
        secure.session_interface.save_session(secure, session, resp)
        cookie = resp.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cli_suspend_and_password_reset_end_sessions(world, app, factory):
    runner = app.test_cli_runner()
    client = _signed_in(app, "hs.anh")
    token = factory.api(world.student)
    result = runner.invoke(args=["users", "deactivate", "hs.anh"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me").status_code == 401 and token.get("/me").status_code == 401
    assert runner.invoke(args=["users", "activate", "hs.anh"]).exit_code == 0
    weak = runner.invoke(args=["users", "set-password", "hs.anh", "--password", "matkhau123"])
    assert weak.exit_code != 0 and "phổ biến" in weak.output
    assert runner.invoke(args=["users", "set-password", "hs.anh", "--password", "quen-mat-khau-roi"]).exit_code == 0
    assert factory.api().post("/auth/token", json={"username": "hs.anh",
                                                   "password": "quen-mat-khau-roi"}).status_code == 200
    assert runner.invoke(args=["users", "deactivate", "khong-co-ai"]).exit_code != 0


def test_a_bearer_request_is_not_a_browser_session(world, app, factory):
    """With a bearer token the cookie is neither read nor written: the token alone says who calls (issue 16)."""
    browser = _signed_in(app)  # the teacher's cookie
    token = factory.token(world.student)
    cookie = browser.get_cookie("session").value

    caller = app.test_client()
    caller.set_cookie("session", cookie)
    mine = caller.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and mine.get_json()["username"] == "hs.anh"  # the token's user, not the cookie's
    assert "Set-Cookie" not in mine.headers and "Cookie" not in mine.headers.get("Vary", "")
    # A bad token is refused even beside a live cookie: the cookie never stands in for it.
    assert caller.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    # The same cookie without a bearer header is still the teacher's session.
    assert caller.get("/api/v1/me").get_json()["username"] == "gv.lan"
