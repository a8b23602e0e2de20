"""The media API on the filesystem backend: upload, processing, protected HLS playback, files, deletion."""
from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.media.conftest import needs_ffmpeg
from tests.media.conftest_app import (  # noqa: F401  (fixtures)
    asset_row,
    ffprobe_bytes,
    fetch,
    fs_storage,
    playlist_uris,
    tmp_files,
    upload,
)


@needs_ffmpeg
def test_video_upload_plays_through_signed_hls(world, client, fs_storage, landscape_clip, tmp_path, app):
    teacher = world.as_("teacher")
    resp = upload(teacher, landscape_clip.read_bytes(), "Bài giảng hàm số.mp4", "video/mp4")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["kind"] == "video" and body["filename"] == "Bài giảng hàm số.mp4"
    asset_id = body["id"]

    # JOBS_IMMEDIATE ran the processing job right after the request committed.
    meta = teacher.get(f"/media/{asset_id}").get_json()
    assert meta["status"] == "ready" and meta["progress"] == 100 and meta["error"] is None
    assert (meta["width"], meta["height"]) == (640, 360) and 2.5 < meta["duration_s"] < 3.5
    assert [(r["name"], r["height"]) for r in meta["renditions"]] == [("audio", None), ("240p", 240), ("360p", 360)]
    assert meta["hls_url"] == f"/api/v1/media/{asset_id}/hls/master.m3u8"
    assert meta["download_url"] and meta["thumbnail_url"]

    master = teacher.get(meta["hls_url"])
    assert master.status_code == 200 and master.mimetype == "application/vnd.apple.mpegurl"
    assert "no-store" in master.headers["Cache-Control"]
    variants = playlist_uris(master.get_data(as_text=True))
    assert [urlsplit(v).path.rsplit("/", 2)[-2] for v in variants] == ["240p", "360p", "audio"]
    assert all("sig=" in v and "exp=" in v for v in variants)

    segment_body = None
    for variant in variants:
        status, text, _ = fetch(client, variant)  # anonymous: the signature is the permission
        assert status == 200
        segments = playlist_uris(text.decode())
        assert segments and all("sig=" in s for s in segments)
        for segment in segments:
            status, data, headers = fetch(client, segment)
            assert status == 200 and headers["Content-Type"] == "video/mp2t" and len(data) > 0
            segment_body = segment_body or data
            status, part, headers = fetch(client, segment, {"Range": "bytes=0-187"})
            assert status == 206 and part == data[:188]
            assert headers["Content-Range"] == f"bytes 0-187/{len(data)}"
    streams = ffprobe_bytes(segment_body, tmp_path)["streams"]
    assert {s["codec_type"] for s in streams} == {"video", "audio"}

    thumb = teacher.get(meta["thumbnail_url"])
    assert thumb.status_code == 302
    status, data, headers = fetch(client, thumb.headers["Location"])
    assert status == 200 and data[:2] == b"\xff\xd8"

    original = teacher.get(meta["download_url"])
    status, data, headers = fetch(client, original.headers["Location"])
    assert status == 200 and data == landscape_clip.read_bytes()
    disposition = headers["Content-Disposition"]
    assert "attachment" in disposition and "filename*=UTF-8''B%C3%A0i" in disposition
    assert not tmp_files(app)


@needs_ffmpeg
def test_signed_urls_reject_forgery_expiry_and_other_objects(world, client, fs_storage, silent_clip):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, silent_clip.read_bytes(), "man-hinh.mp4").get_json()["id"]
    variant = playlist_uris(teacher.get(f"/media/{asset_id}/hls/master.m3u8").get_data(as_text=True))[0]
    assert fetch(client, variant)[0] == 200
    parts = urlsplit(variant)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}

    forged = dict(query, sig=query["sig"][:-2] + ("AA" if not query["sig"].endswith("AA") else "BB"))
    assert client.get(f"{parts.path}?{urlencode(forged)}").status_code == 403
    stretched = dict(query, exp=str(int(query["exp"]) + 3600))
    assert client.get(f"{parts.path}?{urlencode(stretched)}").status_code == 403
    other_object = parts.path.replace("index.m3u8", "seg_00000.ts")
    assert client.get(f"{other_object}?{parts.query}").status_code == 403
    assert client.get(parts.path).status_code == 403
    resp = client.get(f"{parts.path}?{parts.query}".replace(f"/media/{asset_id}/", f"/media/{asset_id + 1}/"))
    assert resp.status_code == 404

    from media import urls

    with client.application.test_request_context():
        expired = urls.sign_object(asset_id, f"assets/{asset_id}/hls/240p/index.m3u8", ttl_s=1)
    time.sleep(2.1)
    resp = client.get(expired)
    assert resp.status_code == 403 and resp.mimetype == "application/problem+json"


@needs_ffmpeg
def test_master_is_hidden_from_others_until_a_feature_allows(world, fs_storage, silent_clip, app):
    from media import api

    asset_id = upload(world.as_("teacher"), silent_clip.read_bytes(), "clip.mp4").get_json()["id"]
    student = world.as_("student")
    for path in ("", "/hls/master.m3u8", "/file", "/thumbnail"):
        assert student.get(f"/media/{asset_id}{path}").status_code == 404, path
    assert world.as_("teacher2").get(f"/media/{asset_id}").status_code == 404
    assert world.as_("admin").get(f"/media/{asset_id}/hls/master.m3u8").status_code == 200

    allowed = {world.student}

    def lecture_check(user, media_id):
        return media_id == asset_id and user.id in allowed

    api.register_access_check(lecture_check)
    try:
        assert student.get(f"/media/{asset_id}/hls/master.m3u8").status_code == 200
        body = student.get(f"/media/{asset_id}").get_json()
        assert body["download_url"] is None  # viewers stream; the original video is the owner's
        assert student.get(f"/media/{asset_id}/file").status_code == 404
        assert world.as_("student2").get(f"/media/{asset_id}/hls/master.m3u8").status_code == 404
        with app.app_context():
            from lms.accounts.api import get_user

            assert api.can_view(get_user(world.student), asset_id)
            assert not api.can_view(get_user(world.student2), asset_id)
    finally:
        from media import permissions

        permissions._ACCESS_CHECKS.remove(lecture_check)


def test_over_the_limit_is_413_and_leaves_nothing_behind(world, fs_storage, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    teacher = world.as_("teacher")
    before = tmp_files(app)
    # Just over the limit but inside the multipart allowance: refused while streaming.
    resp = upload(teacher, b"\x00" * (1024 * 1024 + 10_000), "lon.mp4")
    assert resp.status_code == 413 and resp.mimetype == "application/problem+json"
    # Far over: refused from Content-Length before reading.
    resp = upload(teacher, b"\x00" * (3 * 1024 * 1024), "rat-lon.mp4")
    assert resp.status_code == 413
    assert tmp_files(app) == before
    assert fs_storage.list("") == []
    assert teacher.get("/media").get_json()["total"] == 0


def test_text_named_mp4_is_415(world, fs_storage, text_as_mp4):
    resp = upload(world.as_("teacher"), text_as_mp4.read_bytes(), "bai-giang.mp4", "video/mp4")
    assert resp.status_code == 415 and resp.get_json()["status"] == 415
    assert fs_storage.list("") == []


def test_malformed_requests_are_4xx(world, fs_storage):
    teacher = world.as_("teacher")
    assert teacher.post("/media", json={"file": "x"}).status_code == 415
    resp = teacher.post("/media", data={"other": "x"}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.get_json()["errors"]
    truncated = b'--abc\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nxx'
    resp = teacher.post("/media", data=truncated, content_type="multipart/form-data; boundary=abc")
    assert resp.status_code == 400
    assert world.as_("student").post("/media", json={}).status_code == 403


@needs_ffmpeg
def test_zero_byte_and_truncated_videos_fail_with_a_readable_error(world, fs_storage, truncated_mp4):
    teacher = world.as_("teacher")
    empty = upload(teacher, b"", "quay-bang-dien-thoai.mp4").get_json()
    assert empty["status"] == "failed" and empty["kind"] == "video" and "0 byte" in empty["error"]
    truncated = upload(teacher, truncated_mp4.read_bytes(), "bi-cat.mp4").get_json()
    body = teacher.get(f"/media/{truncated['id']}").get_json()
    assert body["status"] == "failed" and body["error"].startswith("Không đọc được tệp")
    assert body["hls_url"] is None and body["renditions"] == []
    assert teacher.get(f"/media/{truncated['id']}/hls/master.m3u8").status_code == 409


@needs_ffmpeg
def test_pdf_and_image_get_previews_and_inline_files(world, client, fs_storage, pdf_file, png_file):
    teacher = world.as_("teacher")
    for path, kind, mime in ((pdf_file, "pdf", "application/pdf"), (png_file, "image", "image/png")):
        body = upload(teacher, path.read_bytes(), path.name).get_json()
        meta = teacher.get(f"/media/{body['id']}").get_json()
        assert meta["kind"] == kind and meta["status"] == "ready"
        assert meta["hls_url"] is None and meta["thumbnail_url"]
        status, data, headers = fetch(client, teacher.get(meta["download_url"]).headers["Location"])
        assert status == 200 and data == path.read_bytes() and headers["Content-Type"] == mime
        assert headers["Content-Disposition"].startswith("inline")
        status, data, _ = fetch(client, teacher.get(meta["thumbnail_url"]).headers["Location"])
        assert data[:2] == b"\xff\xd8"


def test_range_edge_cases(world, client, fs_storage, office_files):
    teacher = world.as_("teacher")
    data = office_files["docx"].read_bytes()
    meta = upload(teacher, data, "giáo án.docx").get_json()
    assert meta["kind"] == "document" and meta["status"] == "ready"
    url = teacher.get(meta["download_url"]).headers["Location"]
    assert fetch(client, url, {"Range": f"bytes={len(data) - 10}-"})[1] == data[-10:]
    assert fetch(client, url, {"Range": "bytes=-5"})[1] == data[-5:]
    resp = client.get(url, headers={"Range": f"bytes={len(data) + 5}-"})
    assert resp.status_code == 416 and resp.headers["Content-Range"] == f"bytes */{len(data)}"
    assert client.get(url, headers={"Range": "bytes=zz"}).status_code == 200
    assert client.get(url, headers={"Range": "bytes=0-1", "If-Range": '"stale"'}).status_code == 200


def test_delete_is_refused_while_claimed(world, fs_storage, pdf_file, app):
    from media import api

    teacher = world.as_("teacher")
    asset_id = upload(teacher, pdf_file.read_bytes(), "de.pdf").get_json()["id"]
    assert world.as_("teacher2").delete(f"/media/{asset_id}").status_code == 404
    with app.app_context():
        from lms.accounts.api import get_user
        from lms.core.db import db

        api.claim([asset_id], get_user(world.teacher))
        db.session.commit()
    assert teacher.delete(f"/media/{asset_id}").status_code == 409
    with app.app_context():
        api.release([asset_id])
        db.session.commit()
    assert teacher.delete(f"/media/{asset_id}").status_code == 204
    assert teacher.get(f"/media/{asset_id}").status_code == 404
    assert fs_storage.list(f"assets/{asset_id}/") == []


def test_direct_upload_through_an_app_signed_url(world, client, fs_storage, pdf_file):
    teacher = world.as_("teacher")
    data = pdf_file.read_bytes()
    resp = teacher.post("/media/uploads", json={"filename": "đề kiểm tra.pdf", "size": len(data)})
    assert resp.status_code == 201
    grant = resp.get_json()
    assert grant["method"] == "PUT" and grant["url"].startswith(f"/api/v1/media/uploads/{grant['upload_id']}/data?")

    complete = f"/media/uploads/{grant['upload_id']}/complete"
    assert teacher.post(complete).status_code == 409  # nothing uploaded yet
    forged = grant["url"].replace("sig=", "sig=x")
    assert client.put(forged, data=data).status_code == 403
    assert client.put(grant["url"], data=data + b"extra").status_code == 413
    assert client.put(grant["url"], data=data).status_code == 204

    assert world.as_("teacher2").post(complete).status_code == 404
    resp = teacher.post(complete)
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["kind"] == "pdf" and body["filename"] == "đề kiểm tra.pdf" and body["size"] == len(data)
    again = teacher.post(complete)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    assert client.put(grant["url"], data=data).status_code == 409
    assert [k for k in fs_storage.list("") if k.startswith("uploads/")] == []


def test_direct_upload_size_checks(world, client, fs_storage, app):
    teacher = world.as_("teacher")
    too_big = app.config["MAX_UPLOAD_MB"] * 1024 * 1024 + 1
    assert teacher.post("/media/uploads", json={"filename": "x.mp4", "size": too_big}).status_code == 413
    resp = teacher.post("/media/uploads", json={"filename": "x.mp4", "size": 0})
    assert resp.status_code == 422 and "size" in resp.get_json()["errors"]
    grant = teacher.post("/media/uploads", json={"filename": "x.pdf", "size": 100}).get_json()
    assert client.put(grant["url"], data=b"%PDF-1.4 short").status_code == 204
    assert teacher.post(f"/media/uploads/{grant['upload_id']}/complete").status_code == 409


def test_list_shows_only_own_uploads(world, fs_storage, office_files):
    upload(world.as_("teacher"), office_files["xlsx"].read_bytes(), "diem.xlsx")
    upload(world.as_("teacher2"), office_files["pptx"].read_bytes(), "slide.pptx")
    items = world.as_("teacher").get("/media?kind=document").get_json()["items"]
    assert [i["filename"] for i in items] == ["diem.xlsx"]
    assert world.as_("teacher").get("/media?kind=nope").status_code == 422


@pytest.mark.parametrize("role", ["student", "anonymous"])
def test_only_uploaders_may_upload(world, role, fs_storage, office_files):
    resp = upload(world.as_(role), office_files["docx"].read_bytes(), "a.docx")
    assert resp.status_code == (403 if role == "student" else 401)
