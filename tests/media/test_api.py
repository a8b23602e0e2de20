"""media.api as other features use it: store_bytes, get_media, payloads, claims, rollback safety."""
from __future__ import annotations

import pytest

from lms.core.db import db
from lms.core.errors import NotFound, PayloadTooLarge, UnsupportedMediaType
from tests.media.conftest import needs_ffmpeg
from tests.media.conftest_app import fs_storage  # noqa: F401  (fixture)


def _user(user_id):
    from lms.accounts.api import get_user

    return get_user(user_id)


@needs_ffmpeg
def test_store_bytes_makes_an_image_ready_with_a_preview(world, fs_storage, png_file, app):
    from media import api
    from media.signals import media_ready

    seen = []

    def on_ready(sender):
        seen.append(sender)

    media_ready.connect(on_ready)
    try:
        with app.app_context():
            asset_id = api.store_bytes(_user(world.teacher), png_file.read_bytes(), "hinh-1.png", "image/png")
            info = api.get_media(asset_id)
            assert info["kind"] == "image" and info["status"] == "ready" and info["owner_id"] == world.teacher
            payload = api.media_payload(asset_id)
            assert payload["thumbnail_url"] == f"/api/v1/media/{asset_id}/thumbnail"
            assert payload["download_url"] == f"/api/v1/media/{asset_id}/file"
            db.session.commit()
    finally:
        media_ready.disconnect(on_ready)
    # Synchronous: no job ran, so no media_ready and exactly one processing pass.
    assert seen == []
    assert sorted(k.rsplit("/", 1)[1] for k in fs_storage.list(f"assets/{asset_id}/"))[-1] == "thumb.jpg"


def test_store_bytes_refuses_unknown_and_oversized_content(world, fs_storage, app, monkeypatch):
    from media import api

    with app.app_context():
        with pytest.raises(UnsupportedMediaType):
            api.store_bytes(_user(world.teacher), b"<script>alert(1)</script>", "x.png", "image/png")
        monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
        with pytest.raises(PayloadTooLarge):
            api.store_bytes(_user(world.teacher), b"\x89PNG" + b"\x00" * (1024 * 1024), "x.png")
        db.session.rollback()
    assert fs_storage.list("") == []


def test_a_rolled_back_import_leaves_no_objects(world, fs_storage, pdf_file, app):
    from media import api

    with app.app_context():
        asset_id = api.store_bytes(_user(world.teacher), pdf_file.read_bytes(), "de.pdf")
        assert fs_storage.list(f"assets/{asset_id}/")
        db.session.rollback()  # e.g. the question import failed further on
        assert api.get_media(asset_id) is None
    assert fs_storage.list("") == []


def test_claim_requires_visibility_and_names_the_missing_id(world, fs_storage, pdf_file, app):
    from media import api

    with app.app_context():
        mine = api.store_bytes(_user(world.teacher), pdf_file.read_bytes(), "a.pdf")
        db.session.commit()
        with pytest.raises(NotFound) as missing:
            api.claim([mine, 987654], _user(world.teacher))
        assert "987654" in missing.value.detail
        db.session.rollback()
        with pytest.raises(NotFound):
            api.claim([mine], _user(world.teacher2))  # not theirs, and no feature shows it to them
        db.session.rollback()
        api.claim([mine, mine], _user(world.teacher))
        db.session.commit()
        assert api.media_payload(mine)["claimed"] is True
        api.release([mine, 987654])
        db.session.commit()
        assert api.media_payload(mine)["claimed"] is False
        assert api.get_media(987654) is None and not api.can_view(_user(world.teacher), 987654)
        with pytest.raises(NotFound):
            api.media_payload(987654)


def test_store_upload_streams_a_file_object(world, fs_storage, office_files, app):
    from media import api

    with app.app_context():
        with open(office_files["doc"], "rb") as stream:
            asset_id = api.store_upload(_user(world.department), stream, "giao-an-cu.doc", None)
        db.session.commit()
        info = api.get_media(asset_id)
        assert info["kind"] == "document" and info["status"] == "ready"
        assert info["size"] == office_files["doc"].stat().st_size
