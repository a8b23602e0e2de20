"""Media services: storing uploads, direct uploads, claiming, deleting, the processing pipeline, cleanup.

Services take the acting user, flush and never commit. Object storage is not transactional, so objects
written during a transaction are removed if it rolls back, and objects of deleted assets are removed only
after the deletion commits (``_on_rollback_delete`` / ``_on_commit_delete``): no orphan objects either way.
"""
from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import secrets
import shutil
import tempfile
import time
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from lms.core.db import db, utcnow
from lms.core.errors import Conflict, DomainError, NotFound, PayloadTooLarge, UnsupportedMediaType

from . import documents, package_runtime, permissions, thumbnails
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
from .signals import media_failed, media_ready
from .sniffing import UnsupportedMedia, sniff
from .storage import (ObjectNotFound, Storage, StorageError, asset_prefix, make_storage, object_key,
                      package_key)
from .streaming import UploadTooLarge, spool_upload
from .urls import sign_package, sign_upload

log = logging.getLogger(__name__)

#: Processing runs per asset (first run + 3 huey retries); after that the asset is failed, not retried.
MAX_ATTEMPTS = 4
#: A processing job silent for this long is presumed dead (worker crashed) and is re-enqueued.
STALE_AFTER = timedelta(minutes=15)
#: An upload nobody attached to a lecture or question within this time is removed.
UNCLAIMED_TTL = timedelta(days=1)
#: Lifetime of a direct-upload URL.
UPLOAD_URL_TTL = timedelta(hours=2)
#: Progress is written to the row at most every 2 % (or every 15 s as a heartbeat): enough for a progress
#: bar, without an UPDATE per ffmpeg progress line.
PROGRESS_STEP = 2
HEARTBEAT_EVERY_S = 15
#: How long a package URL works: a long lesson with pauses; reloading the player gets a fresh one.
PACKAGE_TTL_S = 4 * 3600
#: Kinds whose preview is made synchronously by store_bytes.
_SYNC_PREVIEW = ("image", "pdf")

_ROLLBACK_KEY = "media_objects_on_rollback"
_COMMIT_KEY = "media_objects_on_commit"


class StorageUnavailable(DomainError):
    """Object storage refused or could not be reached; retrying later may work."""

    status, title, slug = 503, "Kho lưu trữ tạm thời không sẵn sàng", "storage-unavailable"


# -- plumbing ---------------------------------------------------------------

def get_storage() -> Storage:
    """The app's storage backend, built once from the config (``app.extensions["media_storage"]``)."""
    ext = current_app.extensions
    if "media_storage" not in ext:
        ext["media_storage"] = make_storage(current_app.config)
    return ext["media_storage"]


def tmp_dir() -> str:
    """``$LMS_DATA_DIR/tmp``: spooled uploads and processing work dirs, always removed in ``finally``."""
    path = os.path.join(current_app.config["LMS_DATA_DIR"], "tmp")
    os.makedirs(path, exist_ok=True)
    return path


def max_upload_bytes() -> int:
    """MAX_UPLOAD_MB in bytes."""
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def too_large() -> PayloadTooLarge:
    """The 413 for an upload over the limit."""
    return PayloadTooLarge(f"Tệp vượt quá giới hạn {current_app.config['MAX_UPLOAD_MB']} MB.")


def _on_rollback_delete(storage: Storage, prefix: str) -> None:
    db.session.info.setdefault(_ROLLBACK_KEY, []).append((storage, prefix))


def _on_commit_delete(storage: Storage, prefix: str) -> None:
    db.session.info.setdefault(_COMMIT_KEY, []).append((storage, prefix))


def _delete_quietly(items) -> None:
    for storage, prefix in items or ():
        try:
            if prefix.endswith("/"):
                storage.delete_prefix(prefix)
            else:
                storage.delete(prefix)
        except StorageError:
            # Left for the operator; logging the key only (no user data in keys).
            log.exception("could not delete media objects %s", prefix)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    session.info.pop(_ROLLBACK_KEY, None)
    _delete_quietly(session.info.pop(_COMMIT_KEY, None))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(_COMMIT_KEY, None)
    _delete_quietly(session.info.pop(_ROLLBACK_KEY, None))


def _display_name(filename: str | None) -> str:
    name = unicodedata.normalize("NFC", os.path.basename((filename or "").replace("\\", "/"))).strip()
    name = "".join(c for c in name if c.isprintable())
    return name[:255] or "tep-tai-len"


def get_asset(asset_id: int) -> MediaAsset:
    """The asset or NotFound (no permission check: callers decide)."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None:
        raise NotFound(f"Không tìm thấy tệp phương tiện {asset_id}.")
    return asset


def _enqueue(asset_id: int) -> None:
    from . import tasks  # tasks imports services; the job handle is only needed here

    tasks.process_media.enqueue(asset_id)


# -- storing ------------------------------------------------------------------

def create_from_file(user, path: str, size: int, sha256: str, filename: str | None, *,
                     enqueue: bool = True) -> MediaAsset:
    """Sniff the local file at ``path``, store it under its content+id key and create the asset (flushed).

    The caller owns ``path``. 415 when the kind is not accepted; 503 when storage is down. Processing is
    enqueued for after the commit unless ``enqueue`` is false (the caller processes it itself).
    """
    if size == 0:
        return _empty_asset(user, filename)
    try:
        found = sniff(path)
    except UnsupportedMedia as exc:
        raise UnsupportedMediaType(f"Không nhận loại tệp này ({exc}). Chấp nhận video, âm thanh, PDF, ảnh, "
                                   "tài liệu Office và gói tương tác (HTML5, SCORM, H5P).") from None
    asset = MediaAsset(owner_id=user.id, kind=found.kind, status="uploaded", progress=0,
                       filename=_display_name(filename), content_type=found.mime, size=size, sha256=sha256,
                       attempts=0)
    db.session.add(asset)
    db.session.flush()
    storage = get_storage()
    key = object_key(asset.id, sha256, found.ext)
    _on_rollback_delete(storage, asset_prefix(asset.id))
    try:
        storage.put_file(key, path, found.mime)
    except StorageError as exc:
        log.warning("storing media %s failed: %s", asset.id, exc)
        raise StorageUnavailable("Không lưu được tệp vào kho lưu trữ. Vui lòng thử lại sau.") from None
    asset.object_key = key
    if found.kind == "document":
        # Office documents have no preview pipeline: they are ready as stored.
        asset.status, asset.progress = "ready", 100
    elif enqueue:
        _enqueue(asset.id)
    db.session.flush()
    return asset


_KIND_BY_MIME_PREFIX = {"video": "video", "audio": "audio", "image": "image"}


def _empty_asset(user, filename: str | None) -> MediaAsset:
    """A zero-byte upload (a phone that failed to save the recording) is recorded as failed, not refused,
    so the teacher sees which file went wrong in their list; no object is stored."""
    guessed = mimetypes.guess_type(_display_name(filename))[0] or "application/octet-stream"
    kind = "pdf" if guessed == "application/pdf" else _KIND_BY_MIME_PREFIX.get(guessed.split("/")[0], "document")
    asset = MediaAsset(owner_id=user.id, kind=kind, status="failed", progress=0, filename=_display_name(filename),
                       content_type=guessed, size=0, sha256=hashlib.sha256(b"").hexdigest(), attempts=0,
                       error="Tệp rỗng (0 byte): thiết bị có thể chưa lưu xong. Hãy chọn lại tệp và tải lên.")
    db.session.add(asset)
    db.session.flush()
    return asset


def store_upload(user, stream: BinaryIO, filename: str | None, content_type: str | None = None, *,
                 enqueue: bool = True, sync_kinds: tuple[str, ...] = ()) -> MediaAsset:
    """Spool ``stream`` to a temp file under the size limit, then :func:`create_from_file`.

    Kinds in ``sync_kinds`` are processed right here instead of by the job (small images and PDFs).
    """
    try:
        spooled = spool_upload(stream, max_upload_bytes(), tmp_dir())
    except UploadTooLarge:
        raise too_large() from None
    try:
        try:
            found_kind = sniff(spooled.path).kind
        except UnsupportedMedia:
            found_kind = None  # create_from_file turns it into the 415
        sync = found_kind in sync_kinds
        asset = create_from_file(user, spooled.path, spooled.size, spooled.sha256, filename,
                                 enqueue=enqueue and not sync)
        if sync:
            _process_now(asset, spooled.path)
        return asset
    finally:
        os.unlink(spooled.path)


class _BytesStream:
    def __init__(self, data: bytes):
        self._view, self._pos = memoryview(data), 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else self._pos + size
        chunk = bytes(self._view[self._pos:end])
        self._pos += len(chunk)
        return chunk


def store_bytes(user, data: bytes, filename: str | None, content_type: str | None = None) -> MediaAsset:
    """Store a small in-memory file; images and PDFs get their preview now and come back ready."""
    if len(data) > max_upload_bytes():
        raise too_large()
    return store_upload(user, _BytesStream(data), filename, content_type, sync_kinds=_SYNC_PREVIEW)


def _process_now(asset: MediaAsset, path: str) -> None:
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


# -- direct uploads -------------------------------------------------------------

def start_direct_upload(user, filename: str, size: int, content_type: str | None) -> dict:
    """Create a MediaUpload and a URL the client PUTs the bytes to (presigned S3 or app-signed)."""
    if size > max_upload_bytes():
        raise too_large()
    upload_id = secrets.token_hex(16)
    upload = MediaUpload(id=upload_id, owner_id=user.id, filename=_display_name(filename), size=size,
                         content_type=(content_type or "application/octet-stream")[:120],
                         staging_key=f"uploads/{upload_id}/data", expires_at=utcnow() + UPLOAD_URL_TTL)
    db.session.add(upload)
    db.session.flush()
    storage = get_storage()
    try:
        url = storage.presigned_put(upload.staging_key, UPLOAD_URL_TTL)
    except StorageError as exc:
        log.warning("presigning an upload failed: %s", exc)
        raise StorageUnavailable("Không tạo được đường dẫn tải lên. Vui lòng thử lại sau.") from None
    if url is None:
        url = sign_upload(upload_id, int(UPLOAD_URL_TTL.total_seconds()))
    return {"upload_id": upload_id, "method": "PUT", "url": url, "expires_at": upload.expires_at,
            "max_bytes": size}


class _SizeGuard:
    """Reads a stream, refusing more than ``limit`` bytes (the announced size)."""

    def __init__(self, stream: BinaryIO, limit: int):
        self._stream, self._limit, self.count = stream, limit, 0

    def read(self, size: int = -1) -> bytes:
        want = self._limit - self.count + 1
        chunk = self._stream.read(want if size is None or size < 0 else min(size, want))
        self.count += len(chunk)
        if self.count > self._limit:
            raise UploadTooLarge(self._limit)
        return chunk


def receive_upload_data(upload_id: str, stream: BinaryIO, content_length: int | None) -> None:
    """Stream the body of an app-signed PUT into the upload's staging object (filesystem backend)."""
    upload = db.session.get(MediaUpload, upload_id)
    if upload is None:
        raise NotFound("Không tìm thấy phiên tải lên.")
    if upload.asset_id is not None:
        raise Conflict("Phiên tải lên này đã hoàn tất.")
    if upload.expires_at < utcnow():
        raise Conflict("Phiên tải lên đã hết hạn. Hãy tạo phiên mới.")
    if content_length is not None and content_length > upload.size:
        raise PayloadTooLarge(f"Dữ liệu lớn hơn kích thước đã khai báo ({upload.size} byte).")
    try:
        get_storage().put_stream(upload.staging_key, _SizeGuard(stream, upload.size), None,
                                 "application/octet-stream")
    except UploadTooLarge:
        raise PayloadTooLarge(f"Dữ liệu lớn hơn kích thước đã khai báo ({upload.size} byte).") from None
    except StorageError as exc:
        log.warning("direct upload %s failed: %s", upload_id, exc)
        raise StorageUnavailable("Không lưu được tệp vào kho lưu trữ. Vui lòng thử lại sau.") from None


class _IterStream:
    """A ``.read(n)`` view over an iterator of byte chunks (a storage download)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._buf = chunks, b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buf += chunk
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out


def complete_upload(user, upload_id: str) -> tuple[MediaAsset, bool]:
    """Check the staged object (size, kind), turn it into an asset; ``(asset, created)``. Idempotent."""
    upload = db.session.get(MediaUpload, upload_id)
    if upload is None or upload.owner_id != user.id:
        raise NotFound("Không tìm thấy phiên tải lên.")
    if upload.asset_id is not None:
        return get_asset(upload.asset_id), False
    storage = get_storage()
    try:
        info = storage.stat(upload.staging_key)
    except ObjectNotFound:
        raise Conflict("Chưa nhận được dữ liệu của tệp. Hãy tải tệp lên đường dẫn đã cấp trước.") from None
    except StorageError as exc:
        raise StorageUnavailable("Kho lưu trữ không trả lời. Vui lòng thử lại sau.") from exc
    if info.size > max_upload_bytes():
        storage.delete(upload.staging_key)
        raise too_large()
    if info.size != upload.size:
        raise Conflict(f"Kích thước tệp nhận được ({info.size} byte) khác kích thước đã khai báo "
                       f"({upload.size} byte).")
    try:
        spooled = spool_upload(_IterStream(storage.open_range(upload.staging_key)), max_upload_bytes(), tmp_dir())
    except StorageError as exc:
        raise StorageUnavailable("Kho lưu trữ không trả lời. Vui lòng thử lại sau.") from exc
    try:
        try:
            asset = create_from_file(user, spooled.path, spooled.size, spooled.sha256, upload.filename)
        except UnsupportedMediaType:
            # The client must upload again anyway; do not keep refused bytes around for a day.
            storage.delete(upload.staging_key)
            raise
    finally:
        os.unlink(spooled.path)
    upload.asset_id = asset.id
    _on_commit_delete(storage, upload.staging_key)
    db.session.flush()
    return asset, True


# -- claiming and deleting --------------------------------------------------------

def claim(asset_ids: Iterable[int], user) -> None:
    """Mark assets as used; NotFound naming the first id the user may not use."""
    for asset_id in dict.fromkeys(asset_ids):
        asset = db.session.get(MediaAsset, asset_id)
        if asset is None or not (asset.owner_id == user.id or permissions.can_view(user, asset)):
            raise NotFound(f"Không tìm thấy tệp phương tiện {asset_id}.",
                           errors={"media_ids": [f"Không tìm thấy tệp phương tiện {asset_id}."]})
        if asset.claimed_at is None:
            asset.claimed_at = utcnow()
        asset.released_at = None
    db.session.flush()


def release(asset_ids: Iterable[int]) -> None:
    """Clear the claim of each existing asset (unknown ids are ignored)."""
    for asset_id in dict.fromkeys(asset_ids):
        asset = db.session.get(MediaAsset, asset_id)
        if asset is not None and asset.claimed_at is not None:
            asset.claimed_at, asset.released_at = None, utcnow()
    db.session.flush()


def delete_asset(user, asset: MediaAsset) -> None:
    """Delete the row now and its objects once that commits; 409 while a lecture or question uses it."""
    if asset.claimed_at is not None:
        raise Conflict("Tệp đang được dùng trong bài giảng hoặc câu hỏi. Hãy gỡ tệp khỏi đó trước khi xoá.")
    _forget(asset)


def _forget(asset: MediaAsset) -> None:
    _on_commit_delete(get_storage(), asset_prefix(asset.id))
    db.session.execute(update(MediaUpload).where(MediaUpload.asset_id == asset.id).values(asset_id=None))
    db.session.delete(asset)
    db.session.flush()


# -- payloads --------------------------------------------------------------------

def payload(asset: MediaAsset, user=None) -> dict:
    """The GET /media/{id} body."""
    base = f"/api/v1/media/{asset.id}"
    body = {
        "id": asset.id, "kind": asset.kind, "status": asset.status, "progress": asset.progress,
        "error": asset.error, "filename": asset.filename, "content_type": asset.content_type,
        "size": asset.size, "duration_s": asset.duration_s, "width": asset.width, "height": asset.height,
        "claimed": asset.claimed_at is not None, "created_at": asset.created_at,
        "renditions": [{"name": r.name, "height": r.height, "width": r.width, "bandwidth": r.bandwidth}
                       for r in asset.renditions],
        "hls_url": None, "thumbnail_url": None, "download_url": None,
        "package": asset.package if asset.kind == "package" and asset.status == "ready" else None,
        "package_url": None, "pages": asset.pages if asset.kind == "pdf" else None,
    }
    if body["package"]:
        body["package_url"] = f"{base}/package"
    if asset.status == "ready" and asset.hls_master_key:
        body["hls_url"] = f"{base}/hls/master.m3u8"
    if asset.thumbnail_key:
        body["thumbnail_url"] = f"{base}/thumbnail"
    if asset.object_key and (asset.kind not in ("video", "audio") or permissions.can_manage(user, asset)):
        body["download_url"] = f"{base}/file"
    return body


def package_launch_url(asset: MediaAsset) -> str:
    """Signed URL of a ready package's launch file: the player's iframe ``src`` (PACKAGE_ORIGIN if set)."""
    launch = (asset.package or {}).get("launch", "index.html")
    if (asset.package or {}).get("type") == "h5p":
        launch = package_runtime.H5P_PLAYER  # h5p.json is data; the frame opens the player over it
    return sign_package(asset.id, launch, PACKAGE_TTL_S, current_app.config.get("PACKAGE_ORIGIN"))


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
            _enqueue(asset.id)
            counts["requeued"] += 1
    cutoff = now - UNCLAIMED_TTL
    abandoned = db.session.scalars(select(MediaAsset).where(
        MediaAsset.claimed_at == None, MediaAsset.released_at == None,  # noqa: E711
        MediaAsset.created_at < cutoff)).all()
    for asset in abandoned:
        _forget(asset)
        counts["removed_assets"] += 1
    storage = get_storage()
    for upload in db.session.scalars(select(MediaUpload).where(MediaUpload.created_at < cutoff)).all():
        if upload.asset_id is None:
            _on_commit_delete(storage, upload.staging_key)
        db.session.delete(upload)
        counts["removed_uploads"] += 1
    db.session.flush()
    return counts
