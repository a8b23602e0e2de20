"""Thumbnails in several widths and WebP: made at processing time, made on first request for older media,
bad parameters refused with a problem, and the original preview unchanged."""
from __future__ import annotations

import subprocess

from tests.media.conftest import needs_ffmpeg
from tests.media.conftest_app import fetch, fs_storage, upload  # noqa: F401  (fixtures)


def _size(data: bytes, tmp_path) -> tuple[int, int]:
    path = tmp_path / "probe.bin"
    path.write_bytes(data)
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height", "-of", "csv=p=0", str(path)], capture_output=True, text=True,
                         check=True).stdout.strip()
    width, height = out.split(",")
    return int(width), int(height)


@needs_ffmpeg
def test_video_poster_comes_in_widths_and_webp(world, client, fs_storage, landscape_clip, tmp_path):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, landscape_clip.read_bytes(), "bai-giang.mp4", "video/mp4").get_json()["id"]
    assert teacher.get(f"/media/{asset_id}").get_json()["status"] == "ready"
    keys = set(fs_storage.list(f"assets/{asset_id}/"))
    made = {k.rsplit("/", 1)[-1] for k in keys if "thumb-" in k}
    assert {"thumb-320.webp", "thumb-640.jpg", "thumb-1280.webp"} <= made, made

    # Sized pictures come straight from the endpoint (no redirect: one 3G round trip less), cacheable a day.
    small = teacher.get(f"/media/{asset_id}/thumbnail?w=300&format=webp")
    assert small.status_code == 200 and small.headers["Content-Type"] == "image/webp"
    assert small.headers["Cache-Control"] == "private, max-age=86400"
    data = small.get_data()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    assert _size(data, tmp_path) == (320, 180)
    again = teacher.get(f"/media/{asset_id}/thumbnail?w=300&format=webp",
                        headers={"If-None-Match": small.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()

    # The source is 640 px wide: asking for more never upscales.
    large = teacher.get(f"/media/{asset_id}/thumbnail?w=1280")
    assert large.headers["Content-Type"] == "image/jpeg" and _size(large.get_data(), tmp_path) == (640, 360)

    # Without parameters: the original poster, as before.
    status, original, _ = fetch(client, teacher.get(f"/media/{asset_id}/thumbnail").headers["Location"])
    assert original[:2] == b"\xff\xd8"


@needs_ffmpeg
def test_media_processed_before_the_sizes_get_them_on_first_request(world, client, fs_storage, landscape_clip,
                                                                    tmp_path):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, landscape_clip.read_bytes(), "cu.mp4", "video/mp4").get_json()["id"]
    for key in list(fs_storage.list(f"assets/{asset_id}/")):
        if "thumb-" in key:
            fs_storage.delete(key)  # as an asset processed by an earlier release has them
    resp = teacher.get(f"/media/{asset_id}/thumbnail?w=640&format=webp")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/webp"
    assert _size(resp.get_data(), tmp_path) == (640, 360)
    assert any(k.endswith("thumb-320.jpg") for k in fs_storage.list(f"assets/{asset_id}/"))


@needs_ffmpeg
def test_bad_thumbnail_parameters_are_a_problem_not_an_error(world, fs_storage, png_file):
    teacher = world.as_("teacher")
    asset_id = upload(teacher, png_file.read_bytes(), png_file.name).get_json()["id"]
    for query in ("w=abc", "w=5", "w=99999", "format=gif", "w=-1"):
        resp = teacher.get(f"/media/{asset_id}/thumbnail?{query}")
        assert resp.status_code == 422, (query, resp.status_code)
        assert resp.mimetype == "application/problem+json"
    assert world.as_("outsider").get(f"/media/{asset_id}/thumbnail?w=320").status_code == 404
