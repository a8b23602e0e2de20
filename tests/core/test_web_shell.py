"""The page shell: Vietnamese only, favicon, compressed pages, fingerprinted and precompressed static files
cached as immutable, and every page template free of "UTC" and raw strftime dates."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli

from lms.core import assets

ROOT = Path(__file__).resolve().parents[2]


def _login_page(client):
    return client.get("/login", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)


def test_pages_are_vietnamese_and_the_language_switch_is_gone(client):
    html = _login_page(client)
    assert '<html lang="vi">' in html
    assert '<html lang="vi">' in client.get("/login?lang=en").get_data(as_text=True)


def test_favicon_in_svg_and_ico(client):
    html = _login_page(client)
    svg = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    resp = client.get(svg)
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml" and b"<svg" in resp.data
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.data[:4] == b"\x00\x00\x01\x00"
    assert client.get(re.search(r'rel="apple-touch-icon" href="([^"]+)"', html).group(1)).data[:4] == b"\x89PNG"


def test_pages_are_compressed_with_brotli_or_gzip(client):
    plain = _login_page(client).encode()
    br = client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data).startswith(b"<!doctype html>")
    gz = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and len(gz.data) < len(plain) * 0.6
    assert gzip.decompress(gz.data).startswith(b"<!doctype html>")


def test_static_urls_carry_a_content_hash_and_are_immutable(client):
    html = _login_page(client)
    css = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]{12}))"', html)
    assert css, html
    source = (ROOT / "lms/core/static/css/app.css").read_bytes()
    resp = client.get(css.group(1), headers={"Accept-Encoding": "br"})
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "br"
    assert brotli.decompress(resp.data) == source
    assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in resp.headers["Vary"]
    again = client.get(css.group(1), headers={"Accept-Encoding": "br", "If-None-Match": resp.headers["ETag"]})
    assert again.status_code == 304
    # A stale or missing hash is served, but only briefly cacheable.
    old = client.get("/static/css/app.css?v=000000000000", headers={"Accept-Encoding": "identity"})
    assert old.data == source and old.headers["Cache-Control"] == "public, max-age=300"
    assert "Content-Encoding" not in old.headers


def test_vendored_libraries_are_served_once_compressed(client):
    resp = client.get("/static/vendor/hls/hls.min.js", headers={"Accept-Encoding": "gzip"})
    raw = (ROOT / "vendor/hls/hls.min.js").read_bytes()
    assert resp.headers["Content-Encoding"] == "gzip" and gzip.decompress(resp.data) == raw
    assert len(resp.data) < len(raw) / 3
    font = client.get("/static/vendor/katex/fonts/KaTeX_Main-Regular.woff2", headers={"Accept-Encoding": "br"})
    assert font.status_code == 200 and "Content-Encoding" not in font.headers  # woff2 is compressed already
    assert client.get("/static/vendor/../lms/core/config.py").status_code == 404
    assert client.get("/static/vendor/hls/missing.js").status_code == 404


def test_feature_static_files_are_fingerprinted_too(app):
    with app.test_request_context():
        from flask import url_for

        url = url_for("exams_web.static", filename="take.js")
        assert re.search(r"\?v=[0-9a-f]{12}$", url)
        assert re.search(r"\?v=[0-9a-f]{12}$", url_for("vendor", filename="katex/katex.min.js"))


def test_assets_build_precompresses_every_text_asset(app):
    result = app.test_cli_runner().invoke(args=["assets", "build"])
    assert result.exit_code == 0, result.output
    cache = Path(app.config["LMS_DATA_DIR"]) / "static-cache"
    digest = assets.file_hash(str(ROOT / "vendor/hls/hls.min.js"))
    assert (cache / f"hls.min.js.{digest}.br").is_file() and (cache / f"hls.min.js.{digest}.gz").is_file()


def test_no_template_shows_utc_or_formats_dates_by_hand():
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        # (isoformat() stays allowed: <input type="date"> values are machine-format by definition)
        if re.search(r"\bUTC\b", text) or "strftime" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], "use the vn_datetime/vn_date filters (lms.core.formatting): " + ", ".join(offenders)
