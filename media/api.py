"""What other packages may call in media: storing files, looking assets up, claiming, access checks.

Returns ids and plain dicts, never model objects. Functions that write flush only; the caller's request (or
job) commits, and processing jobs are enqueued to run after that commit.
"""
from __future__ import annotations

from typing import BinaryIO, Iterable

from lms.core.db import db

from . import documents, package_origin, permissions, services, uploads
from .models import MediaAsset
from .sniffing import is_web_image  # noqa: F401  (re-exported: importers check pictures before storing)
from .signals import media_failed, media_ready  # noqa: F401  (re-exported for subscribers)

__all__ = [
    "can_view", "claim", "document_text", "get_media", "is_web_image", "media_failed", "media_payload",
    "media_ready", "reader_source_url", "register_access_check", "release", "store_bytes", "store_upload",
]


def store_upload(user, stream: BinaryIO, filename: str, content_type: str | None = None) -> int:
    """Spool ``stream`` to disk (never whole in memory), sniff it and store it; return the new asset id.

    Raises PayloadTooLarge over MAX_UPLOAD_MB and UnsupportedMediaType when the bytes are not video, audio,
    PDF, image or an Office document. Video/audio/PDF/image processing is enqueued for after the commit.
    ``content_type`` is what the client claimed; it is recorded nowhere, the sniffed type wins.
    """
    return uploads.store_upload(user, stream, filename, content_type).id


def store_bytes(user, data: bytes, filename: str, content_type: str | None = None) -> int:
    """Store a small in-memory file (an image from a question import); return the asset id.

    The kind is sniffed; images and PDFs get their preview synchronously and are ``ready`` on return, so an
    import can reference them at once. Video and audio are processed by the job like any upload.
    """
    return uploads.store_bytes(user, data, filename, content_type).id


def get_media(asset_id: int) -> dict | None:
    """``{id, kind, status, owner_id, filename, size, duration_s, width, height, pages, package}`` or None.

    ``pages`` is the page count of a processed PDF (else None); ``package`` is the inspected package
    description (type, version, title, launch) of a ready interactive package, else None."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None:
        return None
    return {"id": asset.id, "kind": asset.kind, "status": asset.status, "owner_id": asset.owner_id,
            "filename": asset.filename, "size": asset.size, "duration_s": asset.duration_s,
            "width": asset.width, "height": asset.height, "pages": asset.pages, "package": asset.package}


def media_payload(asset_id: int, user=None) -> dict:
    """The GET /media/{id} body: status, progress, renditions and the hls/thumbnail/download URLs.

    URLs are API paths that check the viewer themselves. ``download_url`` of a video or audio is given only
    when ``user`` manages the asset (viewers get playback, not the original). NotFound for a missing id.
    """
    return services.payload(services.get_asset(asset_id), user)


def claim(asset_ids: Iterable[int], user) -> None:
    """Mark assets as used (by a lecture, a question) so cleanup keeps them and DELETE refuses.

    Each asset must exist and be owned by ``user`` or visible to them; otherwise NotFound naming the id.
    Claiming twice is harmless.
    """
    services.claim(asset_ids, user)


def release(asset_ids: Iterable[int]) -> None:
    """Say the caller no longer uses these assets; their owner may then delete them. Unknown ids are ignored."""
    services.release(asset_ids)


def register_access_check(fn) -> None:
    """Register ``fn(user, asset_id) -> bool``: a feature using assets says who may see them."""
    permissions.register_access_check(fn)


def can_view(user, asset_id: int) -> bool:
    """Owner, admin, or any registered access check true. False for a missing asset."""
    asset = db.session.get(MediaAsset, asset_id)
    return asset is not None and permissions.can_view(user, asset)


def package_launch_url(asset_id: int) -> str | None:
    """Signed, sandboxed URL of a ready package's launch file, or None (not a package, not ready).

    The caller has checked that its user may view the asset (a lecture's attachment)."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.kind != "package" or asset.status != "ready" or not asset.package:
        return None
    return services.package_launch_url(asset)


def package_frame() -> dict:
    """``{"sandbox", "origin"}`` of the player's package ``<iframe>``: its sandbox tokens and the origin the
    frame's messages come from ("null", or PACKAGE_ORIGIN where packages keep a real origin)."""
    return package_origin.frame_sandbox()


def reader_source_url(asset_id: int) -> str | None:
    """Signed URL (HTTP range requests answered) of the PDF the e-textbook reader loads: the reader copy
    made by processing, else the original; None when the asset is not a ready PDF.

    The caller has checked that its user may view the asset (a lecture's attachment)."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.kind != "pdf" or asset.status != "ready" or not asset.object_key:
        return None
    return documents.reader_url(asset, services.get_storage())


def document_text(asset_id: int) -> str:
    """The extracted text (at most ``media.processing.TEXT_MAX_CHARS`` characters) of a processed PDF, for
    search; "" for other kinds, unprocessed or scanned PDFs."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.kind != "pdf" or asset.status != "ready":
        return ""
    return documents.document_text(asset, services.get_storage())
