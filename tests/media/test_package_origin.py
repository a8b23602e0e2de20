"""Packages on their own host (PACKAGE_ORIGIN): a real origin there, an opaque one anywhere else, and nothing but
package files and the vendored runtimes answered on that host (so it never holds a cookie of the site)."""
from __future__ import annotations

import re
import time

import pytest

from tests.media import packages
from tests.media.conftest_app import fs_storage, upload  # noqa: F401  (fixtures)

PACKAGE_HOST = "http://goi.example.net"
SITE = "http://hoclieuso.example.edu.vn"


@pytest.fixture
def package_origin(app, monkeypatch):
    monkeypatch.setitem(app.config, "PACKAGE_ORIGIN", PACKAGE_HOST)
    monkeypatch.setitem(app.config, "APP_ORIGINS", (SITE,))
    return PACKAGE_HOST


def _launch(world, builder=packages.html5_sim, name="con-lac.zip"):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, builder(), name).get_json()["id"]
    return asset_id, teacher.get(f"/media/{asset_id}/package").headers["Location"]


def test_files_on_the_package_host_get_a_real_origin_and_elsewhere_an_opaque_one(world, fs_storage, app,
                                                                                  package_origin):
    asset_id, launch = _launch(world)
    assert launch.startswith(f"{PACKAGE_HOST}/api/v1/media/{asset_id}/pkg/")
    path = launch[len(PACKAGE_HOST):]
    there = app.test_client().get(path, base_url=PACKAGE_HOST)
    assert there.status_code == 200 and "Con lắc đơn" in there.get_data(as_text=True)
    csp = there.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts allow-forms") and "allow-same-origin" in csp
    assert f"frame-ancestors 'self' {SITE}" in csp  # only the site frames the packages
    assert "Set-Cookie" not in there.headers
    # The same signed URL asked of the site's own host: still served, but on an opaque origin.
    here = app.test_client().get(path, base_url=SITE)
    assert here.status_code == 200 and "allow-same-origin" not in here.headers["Content-Security-Policy"]
    # A port of the package host is the same host for cookies, so it gets the same treatment.
    other_port = app.test_client().get(path, base_url=PACKAGE_HOST + ":8443")
    assert "allow-same-origin" in other_port.headers["Content-Security-Policy"]


def test_without_package_origin_no_file_gets_allow_same_origin(world, fs_storage, app):
    _, launch = _launch(world)
    for base in ("http://localhost", "http://goi.example.net"):
        resp = app.test_client().get(launch, base_url=base)
        assert resp.status_code == 200 and "allow-same-origin" not in resp.headers["Content-Security-Policy"]


def test_a_package_file_stays_cached_until_its_url_expires(world, fs_storage, app, package_origin):
    _, launch = _launch(world, packages.h5p_true_false, "dung-sai.h5p")
    base = launch[len(PACKAGE_HOST):].rsplit("/", 2)[0]
    exp = int(re.search(r"/pkg/(\d+)/", launch).group(1))
    resp = app.test_client().get(base + "/h5p.json", base_url=PACKAGE_HOST)
    assert resp.status_code == 200
    cache = resp.headers["Cache-Control"]
    assert cache.startswith("private, max-age=") and cache.endswith(", immutable")
    max_age = int(re.search(r"max-age=(\d+)", cache).group(1))
    assert abs(max_age - (exp - time.time())) < 5  # never cached past the URL's own expiry


@pytest.mark.parametrize("method, path", [
    ("GET", "/login"), ("POST", "/login"), ("GET", "/dashboard"), ("GET", "/api/v1/me"),
    ("PUT", "/api/v1/lectures/1/progress"), ("GET", "/api/v1/media/1/package"), ("GET", "/healthz"),
    ("GET", "/nowhere"),
])
def test_the_package_host_answers_nothing_of_the_site_and_sets_no_cookie(world, app, package_origin, method, path):
    client = app.test_client()
    resp = client.open(path, method=method, base_url=PACKAGE_HOST, data={"username": "gv.lan", "password": "x"})
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    assert "Set-Cookie" not in resp.headers
    # The site's own host still answers as ever.
    assert app.test_client().get("/login", base_url=SITE).status_code == 200


def test_the_package_host_serves_the_vendored_runtimes(app, package_origin):
    resp = app.test_client().get("/static/vendor/h5p-standalone/frame.bundle.js", base_url=PACKAGE_HOST)
    assert resp.status_code == 200 and "Set-Cookie" not in resp.headers
    # A missing one is a 404 like on the site, but never an HTML page of the shell (its CSRF token is a cookie).
    missing = app.test_client().get("/static/vendor/nope.js", base_url=PACKAGE_HOST, headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "Set-Cookie" not in missing.headers


def test_the_player_frame_is_described_for_either_mode(app, monkeypatch):
    from media import api

    with app.test_request_context():
        assert api.package_frame() == {"sandbox": "allow-scripts allow-forms allow-popups allow-modals",
                                       "origin": "null"}
    monkeypatch.setitem(app.config, "PACKAGE_ORIGIN", PACKAGE_HOST)
    with app.test_request_context():
        assert api.package_frame() == {
            "sandbox": "allow-scripts allow-forms allow-popups allow-modals allow-same-origin", "origin": PACKAGE_HOST}
