"""JSON API of media, interactive packages: opening a package and serving its files sandboxed.

Package files are served at signed URLs (the signature is the permission, checked in ``media.urls``) with a CSP
sandbox, so every document of a package runs on an opaque origin; ``media.package_runtime`` adds what the frame
needs besides the package's own files (the SCORM bridge, the H5P player page).

With PACKAGE_ORIGIN (a host of its own, checked against APP_ORIGINS by lms.core.config), files asked for on that
host get ``allow-same-origin``: a real origin, which the browser caches under and which holds none of the site's
cookies, because on that host the app answers nothing but package files and the vendored runtimes
(``media.package_origin``) and so never sets a cookie there.
"""
from __future__ import annotations

import posixpath
import time

from flask import Response, current_app, redirect
from flask_login import current_user

from lms.core.db import db
from lms.core.errors import Conflict, NotFound
from lms.core.permissions import PUBLIC, SIGNED_IN

from . import package_runtime, permissions, services, urls
from .models import MediaAsset
from .package_origin import package_sandbox
from .routes import bp, serve_object
from .storage import InvalidKey, StorageError, package_key


#: Text files of packages up to this size are sent compressed (see ``package_file``); larger ones stream.
MAX_COMPRESSED_PACKAGE_FILE = 4 * 1024 * 1024
_TEXT_TYPES = {"text/html", "text/css", "text/plain", "text/javascript", "application/javascript",
               "application/json", "image/svg+xml", "application/xml", "text/xml"}


@bp.endpoint("/media/<int:asset_id>/package", "GET", allow=SIGNED_IN, produces="text/html", errors=(409,),
             summary="Open an interactive package (HTML5, SCORM, H5P): a redirect to its launch file behind a "
                     "short-lived signed URL, served sandboxed")
def open_package(asset_id):
    asset = permissions.ensure_visible(current_user, asset_id)
    if asset.kind != "package":
        raise NotFound("Tệp này không phải gói tương tác.")
    if asset.status != "ready" or not asset.package:
        raise Conflict("Gói tương tác chưa xử lý xong hoặc bị lỗi.")
    response = redirect(services.package_launch_url(asset), code=302)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.endpoint("/media/<int:asset_id>/pkg/<int:exp>/<sig>/<path:name>", "GET", allow=PUBLIC,
             produces="application/octet-stream", errors=(403, 416),
             summary="A file of an unpacked package behind a signed URL, with a CSP sandbox (an opaque origin; "
                     "on PACKAGE_ORIGIN's host a real one, cookie-less). Public: the URL's signature is the "
                     "permission")
def package_file(asset_id, exp, sig, name):
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.kind != "package" or asset.status != "ready" or not asset.package:
        raise NotFound("Không tìm thấy gói tương tác.")
    urls.verify_package(asset_id, exp, sig)
    name = posixpath.normpath(name.lstrip("/"))
    kind = asset.package.get("type")
    if kind == "h5p" and name == package_runtime.H5P_PLAYER:
        base = f"{urls.API}/{asset_id}/pkg/{exp}/{sig}"
        response = Response(package_runtime.h5p_player_page(base, asset.package.get("title") or ""),
                            mimetype="text/html")
    else:
        try:
            key = package_key(asset_id, name)
        except InvalidKey:
            raise NotFound("Không tìm thấy tệp trong gói.") from None
        storage = services.get_storage()
        response = serve_object(storage, key)
        if kind == "scorm" and package_runtime.is_html(name) and response.status_code == 200 \
                and int(response.headers["Content-Length"]) <= package_runtime.MAX_INJECT_BYTES:
            response.close()
            body = package_runtime.inject_scorm_bridge(_read_object(storage, key))
            response = Response(body, mimetype="text/html")
        elif response.status_code == 200 and response.mimetype in _TEXT_TYPES \
                and int(response.headers["Content-Length"]) <= MAX_COMPRESSED_PACKAGE_FILE:
            # A whole body (not a stream) is compressed by Flask-Compress like the app's pages: an H5P
            # package's libraries are ~60 files of JS, CSS and JSON, 3-5x smaller on the wire.
            etag = response.headers["ETag"]
            response.close()
            response = Response(_read_object(storage, key), mimetype=response.mimetype)
            response.headers["ETag"] = etag
    frame_ancestors = " ".join(["'self'", *current_app_origins()])
    response.headers["Content-Security-Policy"] = f"{package_sandbox()}; frame-ancestors {frame_ancestors}"
    # What a signed URL names never changes before it expires (a package is unpacked once; the URL's expiry and
    # signature are in the path): the browser keeps it without asking again until then. Only a frame with a real
    # origin (PACKAGE_ORIGIN) reuses it on a later visit; an opaque one gets a fresh cache partition each time.
    response.headers["Cache-Control"] = f"private, max-age={max(0, int(exp - time.time()))}, immutable"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    # The document in the frame has an opaque origin, so its fetches of the package's own JSON (H5P reads
    # h5p.json, content.json, each library.json) are cross-origin. The files are public behind the signature
    # and no credentials are involved, so any origin may read them.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _read_object(storage, key: str) -> bytes:
    try:
        return storage.get_bytes(key)
    except StorageError as exc:
        raise services.StorageUnavailable("Kho lưu trữ không trả lời. Vui lòng thử lại sau.") from exc


def current_app_origins() -> list[str]:
    """The platform's own origins (APP_ORIGINS), allowed to frame packages served from PACKAGE_ORIGIN."""
    return list(current_app.config.get("APP_ORIGINS") or ())
