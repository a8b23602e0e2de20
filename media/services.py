"""Media services: storage access and the asset record (claiming, releasing, deleting, its payload, launch URL).

Services take the acting user, flush and never commit. Object storage is not transactional, so objects
written during a transaction are removed if it rolls back, and objects of deleted assets are removed only
after the deletion commits (``delete_on_rollback`` / ``delete_on_commit``): no orphan objects either way.
Storing new files is ``uploads``; processing them is ``pipeline``. Both import this module, never the reverse.
"""
from __future__ import annotations

import logging
import os
from typing import Iterable

from flask import current_app
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from lms.core.db import db, utcnow
from lms.core.errors import Conflict, DomainError, NotFound, PayloadTooLarge

from . import package_runtime, permissions
from .models import MediaAsset, MediaUpload
from .storage import Storage, StorageError, asset_prefix, make_storage
from .urls import sign_package

log = logging.getLogger(__name__)

#: How long a package URL works: a long lesson with pauses; reloading the player gets a fresh one.
PACKAGE_TTL_S = 4 * 3600

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


def delete_on_rollback(storage: Storage, prefix: str) -> None:
    """Remove the objects under ``prefix`` if this transaction rolls back (they were just written)."""
    db.session.info.setdefault(_ROLLBACK_KEY, []).append((storage, prefix))


def delete_on_commit(storage: Storage, prefix: str) -> None:
    """Remove the objects under ``prefix`` once this transaction commits (their record is being deleted)."""
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


def get_asset(asset_id: int) -> MediaAsset:
    """The asset or NotFound (no permission check: callers decide)."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None:
        raise NotFound(f"Không tìm thấy tệp phương tiện {asset_id}.")
    return asset


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
    forget(asset)


def forget(asset: MediaAsset) -> None:
    """Delete the asset record (its uploads let go of it) and, after the commit, its objects."""
    delete_on_commit(get_storage(), asset_prefix(asset.id))
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
