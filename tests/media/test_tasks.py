"""The processing job and the reconciler: idempotent re-runs, crashed workers, retries, cleanup."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.core.db import db, utcnow
from tests.media.conftest import needs_ffmpeg
from tests.media.conftest_app import asset_row, fs_storage, tmp_files, upload  # noqa: F401  (fixtures)


def _update(app, asset_id, **values):
    from media.models import MediaAsset

    with app.app_context():
        asset = db.session.get(MediaAsset, asset_id)
        for key, value in values.items():
            setattr(asset, key, value)
        db.session.commit()


@needs_ffmpeg
def test_rerunning_the_job_is_idempotent(world, fs_storage, silent_clip, app):
    from media import tasks

    asset_id = upload(world.as_("teacher"), silent_clip.read_bytes(), "man-hinh.mp4").get_json()["id"]
    first = asset_row(app, asset_id)
    keys = fs_storage.list(f"assets/{asset_id}/")
    assert first.status == "ready" and first.attempts == 1
    # A stray object from an earlier, different ladder must not survive a re-run.
    fs_storage.put_bytes(f"assets/{asset_id}/hls/1080p/index.m3u8", b"#EXTM3U\n", "application/vnd.apple.mpegurl")

    with app.app_context():
        tasks.process_media.run_now(asset_id)
        db.session.commit()
        from media.models import MediaAsset

        again = db.session.get(MediaAsset, asset_id)
        assert again.status == "ready" and again.attempts == 2 and again.progress == 100
        assert [(r.name, r.height) for r in again.renditions] == [("240p", 240)]
    assert fs_storage.list(f"assets/{asset_id}/") == keys
    assert not tmp_files(app)


@needs_ffmpeg
def test_reconciler_restarts_processing_abandoned_by_a_crashed_worker(world, fs_storage, silent_clip, app):
    from media import tasks

    asset_id = upload(world.as_("teacher"), silent_clip.read_bytes(), "clip.mp4").get_json()["id"]
    # The worker died half-way: status processing, heartbeat long ago, outputs gone.
    _update(app, asset_id, status="processing", progress=40, heartbeat_at=utcnow() - timedelta(hours=1),
            hls_master_key=None, claimed_at=utcnow())
    fresh = upload(world.as_("teacher"), silent_clip.read_bytes(), "dang-xu-ly.mp4").get_json()["id"]
    _update(app, fresh, status="processing", progress=40, heartbeat_at=utcnow(), claimed_at=utcnow())

    with app.app_context():
        counts = tasks.pipeline.reconcile()
        db.session.commit()  # the re-enqueued job runs after this commit (JOBS_IMMEDIATE)
    assert counts["requeued"] == 1 and counts["failed"] == 0
    restarted = asset_row(app, asset_id)
    assert restarted.status == "ready" and restarted.attempts == 2 and restarted.hls_master_key
    assert asset_row(app, fresh).status == "processing"  # its worker is alive: left alone


def test_reconciler_gives_up_after_max_attempts(world, fs_storage, pdf_file, app):
    from media import pipeline

    asset_id = upload(world.as_("teacher"), pdf_file.read_bytes(), "de.pdf").get_json()["id"]
    _update(app, asset_id, status="processing", heartbeat_at=utcnow() - timedelta(hours=1),
            attempts=pipeline.MAX_ATTEMPTS, claimed_at=utcnow())
    with app.app_context():
        assert pipeline.reconcile()["failed"] == 1
        db.session.commit()
    row = asset_row(app, asset_id)
    assert row.status == "failed" and "gián đoạn" in row.error


def test_transient_storage_errors_retry_then_fail(world, fs_storage, pdf_file, app, monkeypatch):
    from media import pipeline
    from media.signals import media_failed
    from media.storage import StorageError

    asset_id = upload(world.as_("teacher"), pdf_file.read_bytes(), "de.pdf").get_json()["id"]

    def flaky(key, path):
        raise StorageError("S3 unreachable", transient=True)

    monkeypatch.setattr(fs_storage, "get_to_file", flaky)
    failures = []

    def on_failed(sender, error):
        failures.append((sender, error))

    media_failed.connect(on_failed)
    try:
        with app.app_context():
            _update(app, asset_id, attempts=0)
            with pytest.raises(StorageError):
                pipeline.process(asset_id)  # attempt 1 of 4: raise so huey retries
            db.session.rollback()
            _update(app, asset_id, attempts=pipeline.MAX_ATTEMPTS - 1)
            pipeline.process(asset_id)  # the last attempt: failed, not raised
            db.session.commit()
    finally:
        media_failed.disconnect(on_failed)
    row = asset_row(app, asset_id)
    assert row.status == "failed" and "kho lưu trữ" in row.error
    assert failures == [(asset_id, row.error)]
    assert not tmp_files(app)


def test_cleanup_removes_old_unclaimed_uploads_only(world, fs_storage, office_files, pdf_file, app):
    from media import pipeline

    teacher = world.as_("teacher")
    old = upload(teacher, office_files["docx"].read_bytes(), "cu.docx").get_json()["id"]
    kept_claimed = upload(teacher, pdf_file.read_bytes(), "dang-dung.pdf").get_json()["id"]
    recent = upload(teacher, office_files["xlsx"].read_bytes(), "moi.xlsx").get_json()["id"]
    long_ago = utcnow() - timedelta(days=2)
    _update(app, old, created_at=long_ago)
    _update(app, kept_claimed, created_at=long_ago, claimed_at=long_ago)
    grant = teacher.post("/media/uploads", json={"filename": "bo-do.mp4", "size": 4}).get_json()
    assert teacher.put(grant["url"], data=b"abcd").status_code == 204
    from media.models import MediaUpload

    with app.app_context():
        db.session.get(MediaUpload, grant["upload_id"]).created_at = long_ago
        db.session.commit()
    assert fs_storage.list(f"uploads/{grant['upload_id']}/")

    with app.app_context():
        counts = pipeline.reconcile()
        db.session.commit()
    assert counts["removed_assets"] == 1 and counts["removed_uploads"] == 1
    assert asset_row(app, old) is None and fs_storage.list(f"assets/{old}/") == []
    assert asset_row(app, kept_claimed) is not None and fs_storage.list(f"assets/{kept_claimed}/")
    assert asset_row(app, recent) is not None
    assert fs_storage.list("uploads/") == []


def test_progress_is_visible_before_the_job_commits(world, fs_storage, pdf_file, app):
    from media import pipeline
    from media.models import MediaAsset

    asset_id = upload(world.as_("teacher"), pdf_file.read_bytes(), "de.pdf").get_json()["id"]
    with app.app_context():
        report = pipeline._Progress(asset_id).stage(0, 90)
        report(50)  # 45 % overall, written through its own connection
        other = db.session.get(MediaAsset, asset_id)
        assert other.progress == 45 and other.heartbeat_at is not None
        report(51)  # under the 2 % step: not written
        db.session.refresh(other)
        assert other.progress == 45
        db.session.rollback()
