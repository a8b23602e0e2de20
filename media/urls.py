"""Short-lived signed URLs: the app's own (HMAC with SECRET_KEY) or the storage's presigned ones.

A signed object URL names the asset, the object key below the asset's prefix, an expiry and optionally a
disposition; the HMAC covers all of them, so a URL cannot be stretched in time, moved to another object or
asset, or turned from inline into attachment. Routes serving these URLs are public: the signature is the
permission, checked here.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import timedelta
from urllib.parse import quote, urlencode

from flask import current_app

from lms.core.downloads import content_disposition
from lms.core.errors import Forbidden

from .storage import Storage, asset_prefix

API = "/api/v1/media"
#: Package URLs expire on a whole multiple of this (see ``sign_package``).
PACKAGE_EXPIRY_STEP_S = 3600
DISPOSITIONS = ("inline", "attachment")


def _mac(*parts: object) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = "\n".join(str(p) for p in parts).encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _expiry(ttl_s: int) -> int:
    return int(time.time()) + max(1, int(ttl_s))


def _check(expected: str, sig: str | None, exp: str | int | None) -> None:
    try:
        expires = int(exp)
    except (TypeError, ValueError):
        raise Forbidden("Đường dẫn thiếu chữ ký hợp lệ.") from None
    if not sig or not hmac.compare_digest(expected, sig):
        raise Forbidden("Chữ ký của đường dẫn không hợp lệ.")
    if expires < time.time():
        raise Forbidden("Đường dẫn đã hết hạn. Vui lòng tải lại trang.")


def sign_object(asset_id: int, key: str, ttl_s: int, disposition: str | None = None) -> str:
    """An app-signed URL (path + query) serving ``key`` of asset ``asset_id`` for ``ttl_s`` seconds."""
    prefix = asset_prefix(asset_id)
    if not key.startswith(prefix):
        raise ValueError(f"{key} is not below {prefix}")
    if disposition is not None and disposition not in DISPOSITIONS:
        raise ValueError(f"unknown disposition {disposition!r}")
    exp = _expiry(ttl_s)
    query = {"exp": exp, "sig": _mac("media-object", asset_id, key, exp, disposition or "")}
    if disposition:
        query["d"] = disposition
    return f"{API}/{asset_id}/o/{quote(key[len(prefix):])}?{urlencode(query)}"


def verify_object(asset_id: int, name: str, exp, sig, disposition: str | None) -> str:
    """The object key a signed URL grants, or Forbidden when forged, altered or expired."""
    key = asset_prefix(asset_id) + name
    _check(_mac("media-object", asset_id, key, exp, disposition or ""), sig, exp)
    return key


def object_url(storage: Storage, asset_id: int, key: str, ttl_s: int, disposition: str | None = None,
               filename: str | None = None) -> str:
    """Where a viewer fetches ``key``: a presigned storage URL when the backend can, else an app-signed one.

    Playlists are always app-signed because the app rewrites the URLs inside them.
    """
    if not key.endswith(".m3u8"):
        header = content_disposition(filename) if filename and disposition == "attachment" else None
        presigned = storage.presigned_get(key, timedelta(seconds=max(1, int(ttl_s))), content_disposition=header)
        if presigned:
            return presigned
    return sign_object(asset_id, key, ttl_s, disposition)


def sign_package(asset_id: int, path: str, ttl_s: int, origin: str | None = None) -> str:
    """A URL of file ``path`` of an unpacked package, signed for the whole package for ``ttl_s`` seconds.

    The signature sits in the path, not the query, so the package's own relative links (``js/app.js``,
    ``../img/a.png`` inside the package) resolve to URLs that carry it too. It grants one package's files
    and nothing else. ``origin`` is PACKAGE_ORIGIN when packages are served from a separate host.
    """
    # The expiry is rounded up to the next whole hour: every launch within that hour gets the same URLs, so a
    # returning student's browser reuses the package's files (private, max-age=3600) instead of fetching them
    # again under a fresh signature. The URL then lives between ttl_s and ttl_s + 1 h.
    exp = -(-_expiry(ttl_s) // PACKAGE_EXPIRY_STEP_S) * PACKAGE_EXPIRY_STEP_S
    sig = _mac("media-package", asset_id, exp)
    return f"{(origin or '').rstrip('/')}{API}/{asset_id}/pkg/{exp}/{sig}/{quote(path)}"


def verify_package(asset_id: int, exp, sig: str) -> None:
    """Forbidden unless the package URL was signed by this app for this asset and has not expired."""
    _check(_mac("media-package", asset_id, exp), sig, exp)


def sign_upload(upload_id: str, ttl_s: int) -> str:
    """An app-signed PUT URL for a direct upload to the filesystem backend."""
    exp = _expiry(ttl_s)
    query = {"exp": exp, "sig": _mac("media-upload", upload_id, exp)}
    return f"{API}/uploads/{upload_id}/data?{urlencode(query)}"


def verify_upload(upload_id: str, exp, sig) -> None:
    """Forbidden unless the PUT URL was signed by this app for this upload and is still valid."""
    _check(_mac("media-upload", upload_id, exp), sig, exp)
