"""What browsers need from S3: URLs signed for the public host, bucket CORS, part size, and the CSP."""
from __future__ import annotations

import hashlib
import io
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest

from media.storage import make_storage
from tests.media.conftest_app import fs_storage  # noqa: F401

SITE = "https://hoclieuso.example.edu.vn"


def _s3(endpoint, access, secret, **extra):
    config = {"S3_ENDPOINT": endpoint, "S3_ACCESS_KEY": access, "S3_SECRET_KEY": secret,
              "S3_BUCKET": f"lms-{uuid.uuid4().hex[:12]}", **extra}
    return make_storage(config)


def _status(url, method="GET", headers=None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_presigned_urls_are_signed_for_the_public_host(radosgw_endpoint):
    endpoint, access, secret = radosgw_endpoint
    port = endpoint.rsplit(":", 1)[1]
    # The server reaches radosgw as 127.0.0.1; browsers know it as localhost (a different Host header).
    storage = _s3(endpoint, access, secret, S3_PUBLIC_ENDPOINT=f"localhost:{port}", S3_PUBLIC_SECURE=False)
    storage.put_bytes("p/segment.ts", b"\x47" * 188, "video/mp2t")
    url = storage.presigned_get("p/segment.ts", timedelta(minutes=5))
    assert url.startswith(f"http://localhost:{port}/")
    assert _status(url)[0] == 200
    # SigV4 signs the host: the same URL sent to the internal address is refused, so a proxy cannot rewrite it.
    assert _status(url.replace(f"localhost:{port}", endpoint))[0] == 403


@pytest.mark.parametrize("server", ["moto", "radosgw"])
def test_part_size_setting_drives_multipart_uploads(request, server):
    if server == "moto":
        endpoint, access, secret = request.getfixturevalue("moto_endpoint"), "testing", "testing"
    else:
        endpoint, access, secret = request.getfixturevalue("radosgw_endpoint")
    storage = _s3(endpoint, access, secret, S3_PART_SIZE=5 * 1024 * 1024)
    assert storage.part_size == 5 * 1024 * 1024
    data = bytes(range(256)) * (11 * 4096)  # 11 MiB of unknown length: 5 + 5 + 1 MiB parts
    info = storage.put_stream("big/lecture.mp4", io.BytesIO(data), None, "video/mp4")
    assert info.size == len(data)
    assert storage.stat("big/lecture.mp4").etag.endswith("-3")  # S3 multipart ETag: md5-of-md5s "-" part count
    assert hashlib.sha256(storage.get_bytes("big/lecture.mp4")).digest() == hashlib.sha256(data).digest()


def test_storage_init_creates_the_bucket_and_sets_cors_for_the_site(app, radosgw_endpoint):
    endpoint, access, secret = radosgw_endpoint
    storage = _s3(endpoint, access, secret)
    previous = app.extensions.get("media_storage")
    app.extensions["media_storage"] = storage
    try:
        result = app.test_cli_runner().invoke(args=["storage", "init", "--origin", SITE])
    finally:
        app.extensions["media_storage"] = previous
    assert result.exit_code == 0, result.output
    assert "CORS allows" in result.output
    rules = storage.cors_rules()
    assert {"GET", "HEAD"} <= set(rules[0]["methods"]) and rules[0]["origins"] == [SITE]
    assert {"Content-Length", "Content-Range", "ETag"} <= set(rules[0]["expose"])

    storage.put_bytes("hls/seg0.ts", b"\x47" * 1880, "video/mp2t")
    url = storage.presigned_get("hls/seg0.ts", timedelta(minutes=5))
    # The preflight hls.js triggers with its Range header, then the ranged GET itself.
    status, headers, _ = _status(url, "OPTIONS", {"Origin": SITE, "Access-Control-Request-Method": "GET",
                                                   "Access-Control-Request-Headers": "range"})
    assert status == 200 and headers.get("Access-Control-Allow-Origin") == SITE
    status, headers, body = _status(url, headers={"Origin": SITE, "Range": "bytes=0-187"})
    assert status == 206 and len(body) == 188
    assert headers.get("Access-Control-Allow-Origin") == SITE
    assert "content-range" in headers.get("Access-Control-Expose-Headers", "").lower()
    # Another site gets no CORS grant.
    status, headers, _ = _status(url, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers


def test_storage_init_on_the_filesystem_needs_nothing_and_checks_origins(app, fs_storage):  # noqa: F811
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "init", "--origin", SITE])
    assert result.exit_code == 0 and "nothing to set up" in result.output
    bad = runner.invoke(args=["storage", "init", "--origin", "hoclieuso.vn"])
    assert bad.exit_code == 2 and "--origin" in bad.output


def test_csp_allows_the_storage_origin_for_media_posters_and_hls_requests(app, client):
    from lms.core.web import content_security_policy

    csp = content_security_policy({"S3_ENDPOINT": "minio.internal:9000", "S3_SECURE": False,
                                   "S3_PUBLIC_ENDPOINT": "media.hoclieuso.vn", "S3_PUBLIC_SECURE": True})
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    for name in ("img-src", "media-src", "connect-src"):
        assert "https://media.hoclieuso.vn" in directives[name].split(), name
    assert "minio.internal" not in csp and "https:" not in directives["connect-src"].split()
    internal = content_security_policy({"S3_ENDPOINT": "10.0.0.5:9000", "S3_SECURE": False})
    assert "media-src 'self' blob: http://10.0.0.5:9000;" in internal
    # Without S3 the app serves media itself: nothing beyond its own origin.
    page = client.get("/login")
    assert "connect-src 'self';" in page.headers["Content-Security-Policy"]
