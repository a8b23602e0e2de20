"""What a package's frame runs besides the package: the SCORM bridge put into its documents and the H5P
player page over a real .h5p package."""
from __future__ import annotations

import re

from media import package_runtime
from tests.media import packages
from tests.media.conftest_app import fs_storage, upload  # noqa: F401  (fixtures)


def _launch(client, asset_id):
    resp = client.get(f"/media/{asset_id}/package")
    assert resp.status_code == 302, resp.get_json()
    return resp.headers["Location"]


def test_bridge_goes_first_into_the_head_before_the_packages_own_scripts(app):
    doc = b'<!DOCTYPE html><html lang="vi"><HEAD data-x="1"><script src="api.js"></script></head></html>'
    with app.test_request_context():
        out = package_runtime.inject_scorm_bridge(doc)
        bare = package_runtime.inject_scorm_bridge(b"<p>bare</p>")
        doctype_only = package_runtime.inject_scorm_bridge(b"<!doctype html><p>x</p>")
    assert out.index(b"cross-frame-api.min.js") < out.index(b"api.js\"")
    assert out.startswith(b'<!DOCTYPE html><html lang="vi"><HEAD data-x="1"><script src="/static/vendor/scorm-again/')
    assert b"cross-frame-api.min.js?v=" in out  # fingerprinted: cached immutable
    assert bare.endswith(b"<p>bare</p>") and bare.startswith(b"<script")
    assert doctype_only.startswith(b"<!doctype html><script")


def test_scorm_documents_are_served_with_the_bridge_and_other_files_untouched(world, fs_storage, app):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, packages.scorm12_runtime(), "phan-so.zip").get_json()["id"]
    launch = _launch(teacher, asset_id)
    client = app.test_client()
    page = client.get(launch)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert html.index("cross-frame-api.min.js") < html.index('src="api.js"')
    assert "window.API_1484_11 = api; else window.API = api" in html
    assert page.headers["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert "allow-same-origin" not in page.headers["Content-Security-Policy"]
    script = client.get(launch.replace("lesson.html", "lesson.js"))
    assert script.get_data(as_text=True) == packages.SCORM12_LESSON_JS
    assert script.headers["Access-Control-Allow-Origin"] == "*"
    # The vendored runtime the bridge names is served.
    assert client.get("/static/vendor/scorm-again/cross-frame-api.min.js").status_code == 200


def test_html5_documents_get_no_bridge(world, fs_storage, app):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, packages.html5_sim(), "con-lac.zip").get_json()["id"]
    html = app.test_client().get(_launch(teacher, asset_id)).get_data(as_text=True)
    assert "CrossFrameAPI" not in html and html == packages.SIM_HTML


def test_a_real_h5p_package_launches_the_h5p_player_over_its_own_files(world, fs_storage, app):
    teacher = world.as_("teacher")
    body = upload(teacher, packages.h5p_true_false(), "dung-sai.h5p").get_json()
    info = teacher.get(f"/media/{body['id']}").get_json()
    assert info["status"] == "ready", info
    assert info["package"]["type"] == "h5p" and info["package"]["title"] == "Hello World"
    assert info["package"]["files"] > 100
    launch = _launch(teacher, body["id"])
    assert launch.endswith("/" + package_runtime.H5P_PLAYER)
    client = app.test_client()
    page = client.get(launch)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/static/vendor/h5p-standalone/main.bundle.js" in html and "hoclieuso:progress" in html
    assert page.headers["Content-Security-Policy"].startswith("sandbox allow-scripts")
    base = re.search(r'data-base="([^"]+)"', html).group(1)
    assert not base.endswith("/")
    meta = client.get(base + "/h5p.json")
    assert meta.status_code == 200 and meta.get_json()["mainLibrary"] == "H5P.TrueFalse"
    assert meta.headers["Access-Control-Allow-Origin"] == "*"
    library = client.get(base + "/H5P.TrueFalse-1.6/library.json")
    assert library.status_code == 200 and library.get_json()["machineName"] == "H5P.TrueFalse"
    # The libraries' text files travel compressed (a phone on 3G); fonts and images as they are.
    script = client.get(base + "/H5P.Question-1.4/scripts/question.js", headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200 and script.headers["Content-Encoding"] == "gzip"
    assert int(script.headers["Content-Length"]) < 20_000 and script.headers["Access-Control-Allow-Origin"] == "*"
    # The same launch within the hour gets the same URLs, so the browser's cache serves a second visit.
    assert _launch(teacher, body["id"]) == launch
    # The player name is reserved only for H5P packages, and its signature is still checked.
    assert client.get(launch.replace("/pkg/", "/pkg/1")).status_code in (403, 404)
