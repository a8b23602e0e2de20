"""Uploads: a file becomes a new asset, from a request stream, bytes in memory or a direct upload.

The bytes are spooled, sniffed and stored under their content+id key, and the asset is created (flushed).
Processing is enqueued for after the commit; small images and PDFs stored from memory get their preview in
the request (``pipeline.process_now``) and come back ready. A direct upload PUTs its bytes to a presigned
(or app-signed) URL first and becomes an asset when completed. Imports point ``uploads`` -> ``pipeline`` ->
``services``.
"""
from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
import secrets
import unicodedata
from datetime import timedelta
from typing import BinaryIO, Iterator

from lms.core.db import db, utcnow
from lms.core.errors import Conflict, NotFound, PayloadTooLarge, UnsupportedMediaType

from .models import MediaAsset, MediaUpload
from .pipeline import enqueue_processing, process_now
from .services import (StorageUnavailable, delete_on_commit, delete_on_rollback, get_asset, get_storage,
                       max_upload_bytes, tmp_dir, too_large)
from .sniffing import UnsupportedMedia, sniff
from .storage import ObjectNotFound, StorageError, asset_prefix, object_key
from .streaming import UploadTooLarge, spool_upload
from .urls import sign_upload

log = logging.getLogger(__name__)

#: Lifetime of a direct-upload URL.
UPLOAD_URL_TTL = timedelta(hours=2)
#: Kinds whose preview is made synchronously by store_bytes.
_SYNC_PREVIEW = ("image", "pdf")


def _display_name(filename: str | None) -> str:
    name = unicodedata.normalize("NFC", os.path.basename((filename or "").replace("\\", "/"))).strip()
    name = "".join(c for c in name if c.isprintable())
    return name[:255] or "tep-tai-len"


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
    delete_on_rollback(storage, asset_prefix(asset.id))
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
        enqueue_processing(asset.id)
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
            process_now(asset, spooled.path)
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
    delete_on_commit(storage, upload.staging_key)
    db.session.flush()
    return asset, True
