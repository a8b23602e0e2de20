from datetime import timedelta

from lms.core.db import db, utcnow

from tests.conftest import PASSWORD


def test_token_for_good_credentials_authenticates_me(world, factory):
    anon = factory.api()
    resp = anon.post("/auth/token", json={"username": "gv.lan", "password": PASSWORD})
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["user"]["username"] == "gv.lan" and body["user"]["role"] == "teacher"
    assert "+00:00" in body["expires_at"] or body["expires_at"].endswith("Z")
    me = anon._client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json() == {"id": world.teacher, "username": "gv.lan", "full_name": "Nguyễn Thị Lan",
                             "role": "teacher", "school_id": world.school, "must_change_password": False}


def test_bad_password_is_401_problem(world, factory):
    resp = factory.api().post("/auth/token", json={"username": "gv.lan", "password": "sai-mat-khau"})
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["status"] == 401


def test_unknown_user_is_401_not_404(factory):
    resp = factory.api().post("/auth/token", json={"username": "khong-co", "password": "x" * 10})
    assert resp.status_code == 401


def test_expired_token_is_rejected(world, factory, app):
    from lms.accounts.models import ApiToken

    client = factory.api(world.teacher)
    assert client.get("/me").status_code == 200
    with app.app_context():
        for token in db.session.scalars(db.select(ApiToken)):
            token.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    resp = client.get("/me")
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_is_rejected(world, factory):
    client = factory.api(world.student)
    assert client.delete("/auth/token").status_code == 204
    assert client.get("/me").status_code == 401


def test_garbage_token_is_401(factory):
    client = factory.api()
    client.token = "not-a-token"
    assert client.get("/me").status_code == 401


def test_repeated_failures_are_rate_limited_with_retry_after(world, factory):
    anon = factory.api()
    for _ in range(5):
        assert anon.post("/auth/token", json={"username": "gv.lan", "password": "sai-mat-khau"}).status_code == 401
    resp = anon.post("/auth/token", json={"username": "gv.lan", "password": PASSWORD})
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert resp.get_json()["status"] == 429
    # Another account from the same address is not locked out by someone else's failures.
    assert anon.post("/auth/token", json={"username": "hs.anh", "password": PASSWORD}).status_code == 200


def test_successful_logins_do_not_count_towards_the_limit(world, factory):
    anon = factory.api()
    for _ in range(8):
        assert anon.post("/auth/token", json={"username": "gv.lan", "password": PASSWORD}).status_code == 200


def test_inactive_user_cannot_sign_in(world, factory, app):
    from lms.accounts.models import User

    with app.app_context():
        db.session.get(User, world.student).active = False
        db.session.commit()
    assert factory.api().post("/auth/token", json={"username": "hs.anh", "password": PASSWORD}).status_code == 401


def test_token_is_stored_hashed(world, factory, app):
    from lms.accounts.models import ApiToken

    client = factory.api(world.teacher)
    with app.app_context():
        stored = [t.token_hash for t in db.session.scalars(db.select(ApiToken))]
    assert client.token not in stored and len(stored[0]) == 64
