"""The same flows on MinIO/S3 (a moto server): presigned segment URLs and presigned direct uploads."""
from __future__ import annotations

import urllib.request

from tests.media.conftest import needs_ffmpeg
from tests.media.conftest_app import ffprobe_bytes, fetch, playlist_uris, s3_storage, upload  # noqa: F401


@needs_ffmpeg
def test_video_on_s3_plays_with_presigned_segments(world, client, s3_storage, portrait_clip, tmp_path):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, portrait_clip.read_bytes(), "doc.mp4").get_json()["id"]
    meta = teacher.get(f"/media/{asset_id}").get_json()
    assert meta["status"] == "ready" and (meta["width"], meta["height"]) == (360, 640)
    assert s3_storage.list(f"assets/{asset_id}/hls/")

    variants = playlist_uris(teacher.get(meta["hls_url"]).get_data(as_text=True))
    assert len(variants) == 3 and all(v.startswith("/api/v1/") for v in variants)  # playlists stay app-signed
    status, text, _ = fetch(client, variants[0])
    segments = playlist_uris(text.decode())
    assert segments and all(s.startswith("http://127.0.0.1:") and "X-Amz-Signature" in s for s in segments)
    status, data, _ = fetch(client, segments[0])
    assert status == 200
    status, part, headers = fetch(client, segments[0], {"Range": "bytes=0-187"})
    assert status == 206 and part == data[:188]
    assert {s["codec_type"] for s in ffprobe_bytes(data, tmp_path)["streams"]} == {"video", "audio"}

    original = teacher.get(meta["download_url"])
    assert original.status_code == 302 and "X-Amz-Signature" in original.headers["Location"]
    assert teacher.delete(f"/media/{asset_id}").status_code == 204
    assert s3_storage.list(f"assets/{asset_id}/") == []


def test_direct_upload_to_a_presigned_s3_url(world, s3_storage, pdf_file):
    teacher = world.as_("teacher")
    data = pdf_file.read_bytes()
    grant = teacher.post("/media/uploads", json={"filename": "de.pdf", "size": len(data),
                                                 "content_type": "application/pdf"}).get_json()
    assert grant["url"].startswith("http://127.0.0.1:") and "X-Amz-Signature" in grant["url"]
    # An explicit type: moto (unlike S3) would parse urllib's default form-urlencoded body away.
    request = urllib.request.Request(grant["url"], data=data, method="PUT",
                                     headers={"Content-Type": "application/pdf"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200
    resp = teacher.post(f"/media/uploads/{grant['upload_id']}/complete")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["kind"] == "pdf" and body["status"] == "ready" and body["size"] == len(data)
    assert s3_storage.list("uploads/") == []
