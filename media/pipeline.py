"""The processing pipeline: what each kind of stored asset becomes, and the reconciler that keeps it moving.

Each kind has its steps: HLS for video and audio, a poster and its sizes, a PDF's preview and reader copy, an
unpacked interactive package. :func:`process` runs them as the job does, writing progress, retries and
failure on the asset row; ``uploads`` runs the small previews in the request (:func:`process_now`) and
enqueues the rest. :func:`reconcile` restarts what a crashed worker dropped and sweeps abandoned uploads.

Separate from ``services`` (storage access, the asset record) as the worker's side of media. It uses that
storage access and is used by ``uploads``, so imports point one way: ``uploads`` -> ``pipeline`` -> ``services``,
and ``tasks`` -> ``pipeline``.
"""
from __future__ import annotations

import logging
import mimetypes
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from lms.core.db import db, utcnow

from . import documents, thumbnails
from .models import MediaAsset, MediaUpload, Rendition
from .processing.packages import extract_package, inspect_package
from .processing import (
    ProcessingError,
    ToolMissing,
    audio_hls,
    choose_ladder,
    image_preview,
    parse_master,
    pdf_thumbnail,
    probe,
    thumbnail,
    transcode_hls,
)
from .services import StorageUnavailable, delete_on_commit, forget, get_storage, tmp_dir
from .signals import media_failed, media_ready
from .storage import Storage, StorageError, asset_prefix, package_key

log = logging.getLogger(__name__)

#: Processing runs per asset (first run + 3 huey retries); after that the asset is failed, not retried.
MAX_ATTEMPTS = 4
#: A processing job silent for this long is presumed dead (worker crashed) and is re-enqueued.
STALE_AFTER = timedelta(minutes=15)
#: An upload nobody attached to a lecture or question within this time is removed.
UNCLAIMED_TTL = timedelta(days=1)
#: Progress is written to the row at most every 2 % (or every 15 s as a heartbeat): enough for a progress
#: bar, without an UPDATE per ffmpeg progress line.
PROGRESS_STEP = 2
HEARTBEAT_EVERY_S = 15


def enqueue_processing(asset_id: int) -> None:
    """Queue the processing job of an asset, sent when the current transaction commits."""
    from . import tasks  # tasks imports pipeline; the job handle is only needed here

    tasks.process_media.enqueue(asset_id)


# -- processing --------------------------------------------------------------------

def _publish(asset_id: int, **values) -> None:
    """Write status/progress through a separate connection so pollers see it before the job commits.

    The job's own session holds no write lock until its final flush, so this never waits on it.
    """
    values["updated_at"] = utcnow()
    with db.engine.begin() as conn:
        conn.execute(update(MediaAsset.__table__).where(MediaAsset.__table__.c.id == asset_id).values(**values))


class _Progress:
    """Maps a stage's 0..100 onto the asset's overall progress and writes it, throttled."""

    def __init__(self, asset_id: int):
        self.asset_id, self.last, self.last_at = asset_id, 0, time.monotonic()

    def stage(self, low: int, high: int):
        def report(percent: int) -> None:
            overall = low + (high - low) * max(0, min(100, percent)) // 100
            now = time.monotonic()
            if overall >= self.last + PROGRESS_STEP or (now - self.last_at >= HEARTBEAT_EVERY_S
                                                        and overall >= self.last):
                self.last, self.last_at = overall, now
                _publish(self.asset_id, progress=min(overall, 99), heartbeat_at=utcnow())
        return report


def _put_thumbnail(asset: MediaAsset, storage: Storage, path: str) -> None:
    key = asset_prefix(asset.id) + "thumb.jpg"
    storage.put_file(key, path, "image/jpeg")
    asset.thumbnail_key = key
    try:
        thumbnails.make_variants(asset.id, storage, path, os.path.dirname(path))
    except ProcessingError as exc:
        # The original poster is stored; the sizes are made again on first request (media.thumbnails).
        log.warning("thumbnail sizes of media %s not made now: %s", asset.id, exc)


def _hls_renditions(asset: MediaAsset, prefix: str, result) -> list[Rendition]:
    rows = [Rendition(name=r["name"], width=r["width"], height=r["height"], bandwidth=r["bandwidth"],
                      playlist_key=prefix + r["playlist"]) for r in result.renditions]
    if result.audio_playlist:
        announced = {v["uri"]: v for v in parse_master(result.master_path)}
        bandwidth = int(announced.get(result.audio_playlist, {}).get("BANDWIDTH", 64000))
        rows.append(Rendition(name=result.audio_playlist.split("/")[0], width=None, height=None,
                              bandwidth=bandwidth, playlist_key=prefix + result.audio_playlist))
    return rows


def _publish_hls(asset: MediaAsset, storage: Storage, out: str, result) -> list[Rendition]:
    prefix = asset_prefix(asset.id) + "hls/"
    storage.put_tree(prefix, out)
    asset.hls_master_key = prefix + "master.m3u8"
    return _hls_renditions(asset, prefix, result)


def _process_video(asset, storage, src, work, report):
    info = probe(src)
    size = info.display_size
    if size is None:
        # An .mp4/.webm holding only sound (a recorded lesson without camera) plays as audio.
        return _process_audio(asset, storage, src, work, report)
    out = os.path.join(work, "hls")
    result = transcode_hls(src, out, choose_ladder(*size), on_progress=report(0, 90))
    thumb = os.path.join(work, "thumb.jpg")
    thumbnail(src, thumb, at_s=min(1.0, info.duration_s / 2))
    rows = _publish_hls(asset, storage, out, result)
    report(90, 100)(50)
    _put_thumbnail(asset, storage, thumb)
    asset.duration_s, (asset.width, asset.height) = info.duration_s, size
    return rows


def _process_audio(asset, storage, src, work, report):
    info = probe(src)
    out = os.path.join(work, "hls")
    result = audio_hls(src, out, on_progress=report(0, 95))
    rows = _publish_hls(asset, storage, out, result)
    asset.duration_s, asset.width, asset.height = info.duration_s, None, None
    return rows


def _process_pdf(asset, storage, src, work, report):
    thumb = os.path.join(work, "thumb.jpg")
    try:
        pdf_thumbnail(src, thumb)
    except ToolMissing:
        # The PDF itself is fine and downloadable; only the preview is missing on this server.
        log.warning("pdftoppm missing: PDF %s has no thumbnail", asset.id)
    else:
        _put_thumbnail(asset, storage, thumb)
    report(0, 100)(30)
    documents.prepare(asset, storage, src, work)
    return []


def _process_image(asset, storage, src, work, report):
    preview = os.path.join(work, "preview.jpg")
    image_preview(src, preview)
    _put_thumbnail(asset, storage, preview)
    return []


def _process_document(asset, storage, src, work, report):
    return []


def _process_package(asset, storage, src, work, report):
    """Inspect the zip (manifest, launch file, limits, bombs, traversal), unpack it, store every file."""
    info = inspect_package(src)
    report(0, 100)(10)
    out = os.path.join(work, "package")
    os.makedirs(out)
    extract_package(src, out)
    report(0, 100)(40)
    # A re-run replaces an earlier unpacking: files the new zip lacks must not remain servable.
    storage.delete_prefix(asset_prefix(asset.id) + "package/")
    root = Path(out)
    done, step = 0, report(40, 100)
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = file.relative_to(root).as_posix()
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        storage.put_file(package_key(asset.id, relative), file, content_type)
        done += 1
        step(done * 100 // info.files)
    asset.package = info.as_dict()
    return []


_PIPELINES = {"video": _process_video, "audio": _process_audio, "pdf": _process_pdf, "image": _process_image,
              "document": _process_document, "package": _process_package}


def _user_error(exc: Exception) -> str:
    # ProcessingError messages are written for teachers (Vietnamese first); keep them short in the row.
    return str(exc)[:2000]


def process_now(asset: MediaAsset, path: str) -> None:
    """Make the preview of a small image/PDF in the request, so an import can show it at once."""
    work = tempfile.mkdtemp(prefix=f"media-{asset.id}-", dir=tmp_dir())
    try:
        src = os.path.join(work, "source")
        shutil.copyfile(path, src)
        _PIPELINES[asset.kind](asset, get_storage(), src, work, lambda low, high: (lambda percent: None))
        asset.status, asset.progress, asset.error = "ready", 100, None
    except ProcessingError as exc:
        asset.status, asset.error = "failed", _user_error(exc)
    except StorageError as exc:
        log.warning("storing the preview of media %s failed: %s", asset.id, exc)
        raise StorageUnavailable("Không lưu được tệp vào kho lưu trữ. Vui lòng thử lại sau.") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    db.session.flush()


def process(asset_id: int) -> None:
    """Run the pipeline of the asset's kind; idempotent (previous outputs are replaced).

    Transient failures (storage hiccups, ffmpeg killed) re-raise so the job is retried, up to MAX_ATTEMPTS
    runs in all; anything else marks the asset failed with a readable error and sends ``media_failed``.
    """
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.object_key is None:
        return
    attempts = asset.attempts + 1
    _publish(asset_id, status="processing", progress=0, error=None, heartbeat_at=utcnow(), attempts=attempts)
    db.session.refresh(asset)
    storage = get_storage()
    progress = _Progress(asset_id)
    work = tempfile.mkdtemp(prefix=f"media-{asset_id}-", dir=tmp_dir())
    try:
        # A re-run starts from nothing: stale segments of an earlier, different ladder must not survive.
        storage.delete_prefix(asset_prefix(asset_id) + "hls/")
        src = os.path.join(work, "source" + os.path.splitext(asset.object_key)[1])
        storage.get_to_file(asset.object_key, src)
        rows = _PIPELINES[asset.kind](asset, storage, src, work, progress.stage)
        asset.renditions = rows
        asset.status, asset.progress, asset.error, asset.heartbeat_at = "ready", 100, None, utcnow()
        if asset.kind not in ("video", "audio"):
            asset.hls_master_key = None

        db.session.flush()
        media_ready.send(asset_id)
    except (ProcessingError, StorageError) as exc:
        transient = getattr(exc, "transient", False)
        if transient and attempts < MAX_ATTEMPTS:
            log.warning("media %s: transient failure (attempt %s), will retry: %s", asset_id, attempts, exc)
            raise
        if isinstance(exc, StorageError):
            message = "Lỗi kho lưu trữ khi xử lý tệp. Vui lòng tải lên lại hoặc thử lại sau."
        else:
            message = _user_error(exc)
        log.info("media %s failed: %s", asset_id, getattr(exc, "detail", "") or exc)
        _fail(asset, message)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _fail(asset: MediaAsset, message: str) -> None:
    asset.status, asset.error, asset.heartbeat_at = "failed", message, utcnow()
    asset.renditions = []
    asset.hls_master_key = None
    asset.package = None  # files of a half-stored package are never served without it
    db.session.flush()
    media_failed.send(asset.id, error=message)


# -- reconciling and cleanup ------------------------------------------------------------

def reconcile(now=None) -> dict:
    """Re-enqueue assets whose processing died or was never started; sweep abandoned uploads.

    Returns counts ``{requeued, failed, removed_assets, removed_uploads}`` for logs and tests.
    """
    now = now or utcnow()
    stale = now - STALE_AFTER
    counts = {"requeued": 0, "failed": 0, "removed_assets": 0, "removed_uploads": 0}
    stuck = db.session.scalars(select(MediaAsset).where(
        ((MediaAsset.status == "processing") & ((MediaAsset.heartbeat_at == None) |  # noqa: E711
                                                (MediaAsset.heartbeat_at < stale)))
        | ((MediaAsset.status == "uploaded") & (MediaAsset.created_at < stale)))).all()
    for asset in stuck:
        if asset.attempts >= MAX_ATTEMPTS:
            _fail(asset, "Xử lý tệp bị gián đoạn nhiều lần. Vui lòng tải tệp lên lại.")
            counts["failed"] += 1
        else:
            enqueue_processing(asset.id)
            counts["requeued"] += 1
    cutoff = now - UNCLAIMED_TTL
    abandoned = db.session.scalars(select(MediaAsset).where(
        MediaAsset.claimed_at == None, MediaAsset.released_at == None,  # noqa: E711
        MediaAsset.created_at < cutoff)).all()
    for asset in abandoned:
        forget(asset)
        counts["removed_assets"] += 1
    storage = get_storage()
    for upload in db.session.scalars(select(MediaUpload).where(MediaUpload.created_at < cutoff)).all():
        if upload.asset_id is None:
            delete_on_commit(storage, upload.staging_key)
        db.session.delete(upload)
        counts["removed_uploads"] += 1
    db.session.flush()
    return counts
