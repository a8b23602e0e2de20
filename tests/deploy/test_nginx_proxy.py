"""README's reverse-proxy example (deploy/nginx.conf), run by Debian's nginx in front of gunicorn."""
from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import urllib.error
import urllib.request

import pytest

from tests.deploy import servers

pytestmark = [
    pytest.mark.skipif(shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"),
                       reason="nginx not installed (make test installs nginx-light)"),
    # Servers on the embedded defaults: once, in the SQLite pass.
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="runs in the SQLite pass"),
]
PASSWORD = "mat-khau-quan-tri-2026"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _call(url, method="GET", body=None, headers=None):
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(
        context=ssl._create_unverified_context()))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Accept": "application/json", **(headers or {}),
                                              **({"Content-Type": "application/json"} if data else {})})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nginx")
    env = servers.app_env(LMS_DATA_DIR=tmp / "data", SECRET_KEY="n" * 40, TRUSTED_PROXIES=1,
                          LOGIN_FAILURE_LIMIT="3 per minute", LOG_FORMAT="json")
    servers.flask(env, "db", "upgrade")
    for username in ("quantri", "vanhanh"):
        servers.flask(env, "users", "create", username, "--role", "admin", "--password", PASSWORD)
    app_port, http_port, https_port = servers.free_port(), servers.free_port(), servers.free_port()
    log = tmp / "app.log"
    web = servers.gunicorn(env, app_port, log)
    proxy = None
    try:
        servers.wait_http(f"http://127.0.0.1:{app_port}/healthz", web)
        cert, key = servers.self_signed(tmp)
        proxy = servers.nginx(servers.shipped_site([app_port], http_port, https_port, cert, key), tmp / "nginx")
        servers.wait_http(f"https://127.0.0.1:{https_port}/healthz", proxy)
        yield {"https": f"https://127.0.0.1:{https_port}", "http": f"http://127.0.0.1:{http_port}", "log": log}
    finally:
        servers.stop(proxy, web)


def test_plain_http_is_redirected_to_https(proxied):
    status, headers, _ = _call(proxied["http"] + "/login")
    assert status == 301 and headers["Location"].startswith("https://")


def test_request_id_from_the_proxy_reaches_the_app_log(proxied):
    status, headers, _ = _call(proxied["https"] + "/api/v1/me")
    assert status == 401
    request_id = headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, kept by the app
    lines = [json.loads(line) for line in proxied["log"].read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == request_id]
    assert mine and mine[0]["route"] == "/api/v1/me" and mine[0]["status"] == 401


def test_a_spoofed_forwarded_for_does_not_escape_the_login_limit(proxied):
    statuses = []
    for n in range(4):
        status, _, _ = _call(proxied["https"] + "/api/v1/auth/token", "POST",
                             {"username": "quantri", "password": "sai"},
                             headers={"X-Forwarded-For": f"203.0.113.{n + 1}"})
        statuses.append(status)
    # The proxy overwrites X-Forwarded-For with the real peer, so every attempt counts against one address.
    assert statuses == [401, 401, 401, 429]


def test_metrics_are_not_served_through_the_public_site(proxied):
    assert _call(proxied["https"] + "/metrics")[0] == 404


def test_the_app_behind_the_proxy_is_ready_and_logs_in(proxied):
    assert _call(proxied["https"] + "/readyz")[0] == 200
    status, _, body = _call(proxied["https"] + "/api/v1/auth/token", "POST",
                            {"username": "vanhanh", "password": PASSWORD})
    assert status == 200 and json.loads(body)["token"]
    # The user locked out above stays locked out even with the right password and another claimed address.
    status, _, _ = _call(proxied["https"] + "/api/v1/auth/token", "POST",
                         {"username": "quantri", "password": PASSWORD}, headers={"X-Forwarded-For": "198.51.100.1"})
    assert status == 429
