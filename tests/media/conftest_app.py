"""Helpers for the media app tests (imported by test modules; tests/media/conftest.py holds the clips)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

from lms.core.db import db


@pytest.fixture
def fs_storage(app, tmp_path):
    """A fresh filesystem storage for one test, swapped into the app and restored afterwards."""
    from media.storage import FilesystemStorage

    yield from _swap(app, FilesystemStorage(tmp_path / "objects"))


@pytest.fixture(params=["moto", "radosgw"])
def s3_storage(app, request):
    """A MinioStorage on a fresh bucket of moto, then of radosgw (signatures checked), swapped into the app."""
    backend = request.getfixturevalue("minio_storage" if request.param == "moto" else "radosgw_storage")
    yield from _swap(app, backend)


def _swap(app, storage):
    previous = app.extensions.get("media_storage")
    app.extensions["media_storage"] = storage
    try:
        yield storage
    finally:
        if previous is None:
            app.extensions.pop("media_storage", None)
        else:
            app.extensions["media_storage"] = previous


def upload(api, data: bytes, filename: str, content_type: str = "application/octet-stream"):
    """POST /media with a multipart body holding ``data`` as the ``file`` field."""
    return api.post("/media", data={"file": (io.BytesIO(data), filename, content_type)},
                    content_type="multipart/form-data")


def fetch(client, url: str, headers: dict | None = None):
    """GET a signed URL: app-relative through the test client, presigned storage URLs over HTTP.

    Returns ``(status, body, headers)``.
    """
    if url.startswith("/"):
        resp = client.get(url, headers=headers or {})
        return resp.status_code, resp.get_data(), resp.headers
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return resp.status, resp.read(), resp.headers


def playlist_uris(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def ffprobe_bytes(data: bytes, tmp_path: Path) -> dict:
    path = tmp_path / "segment.ts"
    path.write_bytes(data)
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
                         capture_output=True, check=True)
    return json.loads(out.stdout)


def tmp_files(app) -> set[str]:
    root = os.path.join(app.config["LMS_DATA_DIR"], "tmp")
    return {os.path.join(dirpath, f) for dirpath, _, files in os.walk(root) for f in files}


def asset_row(app, asset_id):
    from media.models import MediaAsset

    with app.app_context():
        asset = db.session.get(MediaAsset, asset_id)
        if asset is not None:
            db.session.expunge(asset)
        return asset
