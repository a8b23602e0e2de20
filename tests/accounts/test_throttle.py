"""Sign-in limits are shared by every worker (database without Redis, Redis with it), count per address and
username, per username across addresses and per address across usernames, and hold for the web form too."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.accounts import throttle
from lms.accounts.models import LoginFailure
from lms.app import create_app
from lms.core.db import db, utcnow

from tests.conftest import PASSWORD

BAD = {"username": "gv.lan", "password": "sai-mat-khau"}


def test_two_app_instances_on_one_database_share_the_limit(app, world, database_url):
    # Two gunicorn workers are two such instances: the limit (5 per minute in tests) must not double.
    other = create_app({"TESTING": True, "LMS_DATA_DIR": app.config["LMS_DATA_DIR"], "DATABASE_URL": database_url,
                        "SECRET_KEY": app.config["SECRET_KEY"], "LOGIN_FAILURE_LIMIT": "5 per minute",
                        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "REDIS_URL": app.config.get("REDIS_URL")})
    clients = [app.test_client(), other.test_client()]
    for attempt in range(5):
        assert clients[attempt % 2].post("/api/v1/auth/token", json=BAD).status_code == 401
    for client in clients:
        resp = client.post("/api/v1/auth/token", json={"username": "gv.lan", "password": PASSWORD})
        assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1


def test_one_username_from_many_addresses_is_limited(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_USERNAME_FAILURE_LIMIT", "8 per minute")
    client = app.test_client()
    for n in range(8):  # a botnet: every guess from a new address, each under the per-address limit
        resp = client.post("/api/v1/auth/token", json=BAD, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
        assert resp.status_code == 401
    resp = client.post("/api/v1/auth/token", json={"username": "gv.lan", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert resp.status_code == 429
    # Other accounts are untouched.
    assert client.post("/api/v1/auth/token", json={"username": "hs.anh", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.0.1.1"}).status_code == 200


def test_password_spraying_from_one_address_is_limited(app, world, factory, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_FAILURE_LIMIT", "6 per minute")
    client = app.test_client()
    sprayer = {"REMOTE_ADDR": "203.0.113.9"}
    for n in range(6):  # one common password tried on many accounts
        resp = client.post("/api/v1/auth/token", json={"username": f"hs.{n}", "password": "123456789a"},
                           environ_base=sprayer)
        assert resp.status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "hs.anh", "password": PASSWORD},
                       environ_base=sprayer).status_code == 429
    assert client.post("/api/v1/auth/token", json={"username": "hs.anh", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200


def test_web_form_is_limited_and_shares_the_count_with_the_api(app, world):
    client = app.test_client()
    for _ in range(3):
        assert client.post("/login", data=BAD).status_code == 401
    for _ in range(2):
        assert client.post("/api/v1/auth/token", json=BAD).status_code == 401
    resp = client.post("/login", data={"username": "gv.lan", "password": PASSWORD})
    assert resp.status_code == 429 and "quá nhiều lần" in resp.get_data(as_text=True)
    assert client.get("/api/v1/me").status_code == 401  # not signed in
    assert client.post("/api/v1/auth/token", json={"username": "gv.lan", "password": PASSWORD}).status_code == 429


def test_database_window_slides_and_keeps_no_clear_text(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the embedded default, whatever this pass runs on
    start = utcnow()
    with app.test_request_context("/"):
        for n in range(5):
            throttle.record_failure("gv.lan", "192.0.2.1", now=start + timedelta(seconds=n))
        db.session.commit()
        assert throttle.retry_after("gv.lan", "192.0.2.1", now=start + timedelta(seconds=10)) == 50
        # Still blocked until the oldest counted failure is a minute old, then free.
        assert throttle.retry_after("gv.lan", "192.0.2.1", now=start + timedelta(seconds=59)) == 1
        assert throttle.retry_after("gv.lan", "192.0.2.1", now=start + timedelta(seconds=61)) is None
        keys = db.session.scalars(select(LoginFailure.key)).all()
        assert len(keys) == 15 and all(len(k) == 64 and "gv.lan" not in k and "192.0.2" not in k for k in keys)
        # A failure long after removes the rows no window needs.
        throttle.record_failure("hs.anh", "192.0.2.2", now=start + timedelta(hours=2))
        db.session.commit()
        assert db.session.scalar(select(db.func.count(LoginFailure.id))) == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post(url: str, body: dict) -> int | None:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as error:
        return error.code
    except urllib.error.URLError:
        return None  # not listening yet


def test_two_gunicorn_workers_share_the_limit_on_the_embedded_default(tmp_path):
    """The real deployment shape: gunicorn with 2 worker processes, SQLite, no Redis. Each request opens a new
    connection, so the workers take turns; the 11th failure must be refused whichever worker answers."""
    root = Path(__file__).resolve().parents[2]
    venv = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "S3_ENDPOINT"}}
    env.update(LMS_DATA_DIR=str(tmp_path), SECRET_KEY="throttle-test-secret-0123456789-0123456789")
    flask = [str(venv / "flask"), "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=root, env=env, check=True, capture_output=True, timeout=120)
    subprocess.run(flask + ["users", "create", "gv.thu", "--role", "admin", "--password", "mot-cau-de-nho-2026"],
                   cwd=root, env=env, check=True, capture_output=True, timeout=60)
    port = _free_port()
    log = open(tmp_path / "gunicorn.log", "w")
    web = subprocess.Popen([str(venv / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                            "--timeout", "60", "wsgi:app"], cwd=root, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/api/v1/auth/token"
    try:
        deadline = time.time() + 60
        while _post(url, {}) != 422:  # up (an empty body is a validation error, not a failed sign-in)
            assert time.time() < deadline and web.poll() is None, "gunicorn did not start"
            time.sleep(0.3)
        codes = [_post(url, {"username": "gv.thu", "password": "sai-mat-khau"}) for _ in range(14)]
        assert codes == [401] * 10 + [429] * 4, codes
        assert _post(url, {"username": "gv.thu", "password": "mot-cau-de-nho-2026"}) == 429
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=15)
        except subprocess.TimeoutExpired:
            web.kill()
        log.close()
