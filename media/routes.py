"""JSON API of media: uploads (streamed), direct uploads, metadata, protected playback, files, deletion.

Playback: the master playlist is served to those who may see the asset; every URL inside it is a short-lived
signed URL, and so is every segment URL inside a variant playlist. Routes answering signed URLs are declared
PUBLIC because the signature (checked in ``media.urls``) is the permission.
"""
from __future__ import annotations

import posixpath
import re

from flask import Response, redirect, request
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_range_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from lms.core.downloads import content_disposition as disposition_header
from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.errors import BadRequest, Conflict, NotFound, UnsupportedMediaType, ValidationFailed, problem
from lms.core.permissions import ADMIN, DEPARTMENT, PUBLIC, SIGNED_IN, TEACHER, roles
from lms.core.rest import ApiBlueprint, paginate

from . import permissions, schemas, services, thumbnails, uploads, urls
from .models import MediaAsset
from .processing import ProcessingError
from .storage import InvalidKey, ObjectNotFound, RangeNotSatisfiable, StorageError, asset_prefix, validate_key

bp = ApiBlueprint("media", __name__, url_prefix="/api/v1")
exempt_api(bp)

UPLOADERS = roles(TEACHER, DEPARTMENT)
CHUNK = 1024 * 1024
#: multipart framing (boundaries, part headers) on top of the file itself
MULTIPART_OVERHEAD = 64 * 1024
HLS_MIME = "application/vnd.apple.mpegurl"
_URI_ATTR = re.compile(r'URI="([^"]*)"')


# -- streaming multipart ----------------------------------------------------------------

class MultipartFile:
    """``.read(n)`` over the file part named ``field`` of a multipart body, parsed as it arrives.

    werkzeug's ``request.files`` would spool the whole body its own way first; this reads 1 MiB at a time so
    the size limit is enforced while streaming and memory stays flat whatever the file size.
    """

    def __init__(self, stream, boundary: bytes, field: str = "file"):
        self._stream, self._field = stream, field
        # No max_form_memory_size: werkzeug applies it to its whole buffer, i.e. to our read size. Fields
        # are skipped as they stream; _event bounds the buffer itself.
        self._decoder = MultipartDecoder(boundary, max_parts=50)
        self._eof = False
        self._buffer = bytearray()
        self._done = False
        self.filename: str | None = None
        self.content_type: str | None = None

    def _event(self):
        while True:
            try:
                event = self._decoder.next_event()
            except (ValueError, RequestEntityTooLarge):
                raise BadRequest("Nội dung multipart không đúng định dạng.") from None
            if not isinstance(event, NeedData):
                return event
            if self._eof:
                raise BadRequest("Nội dung multipart bị cắt cụt.")
            if len(self._decoder.buffer) > 2 * CHUNK:
                # Data is only held back while the parser looks for a boundary or the end of part headers;
                # more than this is a body without structure, not a bigger file.
                raise BadRequest("Nội dung multipart không đúng định dạng.")
            chunk = self._stream.read(CHUNK)
            if not chunk:
                self._eof = True
                self._decoder.receive_data(None)
            else:
                self._decoder.receive_data(chunk)

    def open(self) -> bool:
        """Advance to the wanted file part; False when the body has none."""
        while True:
            event = self._event()
            if isinstance(event, File) and event.name == self._field:
                self.filename = event.filename
                self.content_type = event.headers.get("content-type")
                return True
            if isinstance(event, Epilogue):
                return False
            # Preamble, other fields and their Data events: skipped.

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            event = self._event()
            if isinstance(event, Data):
                self._buffer += event.data
                if not event.more_data:
                    self._done = True
            else:  # the next part or the end: the file part is over
                self._done = True
        if size < 0:
            size = len(self._buffer)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out


def _multipart_file() -> MultipartFile:
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Gửi tệp dạng multipart/form-data với trường 'file'.")
    boundary = request.mimetype_params.get("boundary")
    if not boundary:
        raise BadRequest("Thiếu boundary của multipart/form-data.")
    length = request.content_length
    if length is not None and length > services.max_upload_bytes() + MULTIPART_OVERHEAD:
        # Refuse before reading a byte: the client learns at once, the disk is never touched.
        raise services.too_large()
    reader = MultipartFile(request.stream, boundary.encode("latin-1"))
    if not reader.open():
        raise ValidationFailed("Thiếu tệp.", errors={"file": ["Chọn một tệp để tải lên."]})
    return reader


# -- uploads --------------------------------------------------------------------------------

@bp.endpoint("/media", "POST", allow=UPLOADERS, response=schemas.MediaOut, status=201,
             files={"file": "Video, audio, PDF, image or Office document (streamed; MAX_UPLOAD_MB)"},
             summary="Upload a file; its kind is sniffed from the content and processing starts",
             errors=(400, 413, 415, 422))
def upload_media():
    """Multipart upload of one file (field ``file``), streamed to storage. The kind is sniffed from the bytes, not
    the name: a renamed text file is refused with 415. Videos answer at once (``status`` uploaded or
    processing) and are transcoded to HLS in the background; poll ``GET /api/v1/media/{id}`` until ``ready``."""
    reader = _multipart_file()
    asset = uploads.store_upload(current_user, reader, reader.filename, reader.content_type)
    db.session.commit()
    return services.payload(asset, current_user)


@bp.endpoint("/media", "GET", allow=roles(TEACHER, DEPARTMENT, ADMIN), query=schemas.MediaListQuery,
             response=schemas.MediaOut, paginated=True, summary="The caller's own uploads, newest first")
def list_media(args):
    stmt = select(MediaAsset).where(MediaAsset.owner_id == current_user.id)
    if args["kind"]:
        stmt = stmt.where(MediaAsset.kind == args["kind"])
    if args["status"]:
        stmt = stmt.where(MediaAsset.status == args["status"])
    page = paginate(stmt.order_by(MediaAsset.id.desc()), args["page"], args["per_page"])
    page.items = [services.payload(a, current_user) for a in page.items]
    return page


@bp.endpoint("/media/uploads", "POST", allow=UPLOADERS, body=schemas.MediaUploadIn,
             response=schemas.MediaUploadOut, status=201, errors=(413,),
             summary="Start a direct upload: PUT the bytes to the returned URL, then call complete")
def start_upload(body):
    """For large files or unreliable connections: returns a URL to PUT the bytes to directly (a presigned S3 URL when
    object storage is S3) and an ``upload_id``; then call ``POST /api/v1/media/uploads/{upload_id}/complete``."""
    result = uploads.start_direct_upload(current_user, body["filename"], body["size"], body["content_type"])
    db.session.commit()
    return result


@bp.endpoint("/media/uploads/<upload_id>/data", "PUT", allow=PUBLIC, query=schemas.MediaSignedQuery,
             status=204, errors=(403, 409, 413), upload=True,
             summary="Receive the bytes of a direct upload (filesystem storage). Public: the URL's signature "
                     "is the permission")
def put_upload_data(upload_id, args):
    from .models import MediaUpload

    if db.session.get(MediaUpload, upload_id) is None:
        raise NotFound("Không tìm thấy phiên tải lên.")
    urls.verify_upload(upload_id, args["exp"], args["sig"])
    uploads.receive_upload_data(upload_id, request.stream, request.content_length)
    return None, 204


@bp.endpoint("/media/uploads/<upload_id>/complete", "POST", allow=UPLOADERS, response=schemas.MediaOut,
             status=201, also=(200,), errors=(409, 413, 415),
             summary="Finish a direct upload: size and kind are checked, the media record is created")
def complete_upload(upload_id):
    asset, created = uploads.complete_upload(current_user, upload_id)
    db.session.commit()
    return services.payload(asset, current_user), 201 if created else 200


# -- metadata, deletion -------------------------------------------------------------------------

@bp.endpoint("/media/<int:asset_id>", "GET", allow=SIGNED_IN, response=schemas.MediaOut,
             summary="Status, progress, renditions and playback/thumbnail/download URLs")
def get_media(asset_id):
    return services.payload(permissions.ensure_visible(current_user, asset_id), current_user)


@bp.endpoint("/media/<int:asset_id>", "DELETE", allow=roles(TEACHER, DEPARTMENT, ADMIN), status=204,
             errors=(409,), summary="Delete an upload and its objects (owner or admin; 409 while in use)")
def delete_media(asset_id):
    asset = permissions.ensure_manageable(current_user, asset_id)
    services.delete_asset(current_user, asset)
    db.session.commit()
    return None, 204


# -- playback ------------------------------------------------------------------------------------

def playback_ttl(asset: MediaAsset) -> int:
    """Lifetime of playlist/segment URLs: a viewer must be able to finish watching (twice the duration,
    for pauses) but a copied URL soon stops working."""
    return int(min(6 * 3600, max(15 * 60, 2 * (asset.duration_s or 0) + 10 * 60)))


def rewrite_playlist(text: str, playlist_key: str, asset: MediaAsset, ttl: int) -> str:
    """Replace every relative URI of an HLS playlist by a signed URL of the object it names.

    URIs resolving outside the asset's prefix (or absolute ones) are dropped: a playlist must never become a
    way to sign another asset's objects.
    """
    storage = services.get_storage()
    base = posixpath.dirname(playlist_key)
    prefix = asset_prefix(asset.id)

    def signed(uri: str) -> str | None:
        if "://" in uri or uri.startswith("/"):
            return None
        key = posixpath.normpath(posixpath.join(base, uri))
        if not key.startswith(prefix):
            return None
        try:
            validate_key(key)
        except InvalidKey:
            return None
        return urls.object_url(storage, asset.id, key, ttl)

    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            out.append(line)
        elif stripped.startswith("#"):
            out.append(_URI_ATTR.sub(lambda m: f'URI="{signed(m.group(1)) or ""}"', stripped))
        else:
            url = signed(stripped)
            if url is not None:
                out.append(url)
    return "\n".join(out) + "\n"


def _playlist_response(text: str) -> Response:
    response = Response(text, mimetype=HLS_MIME)
    # The URLs inside expire; a shared cache must never hand them to someone else.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.endpoint("/media/<int:asset_id>/hls/master.m3u8", "GET", allow=SIGNED_IN, produces=HLS_MIME,
             errors=(409,), summary="HLS master playlist; its variant URLs are short-lived signed URLs")
def master_playlist(asset_id):
    asset = permissions.ensure_visible(current_user, asset_id)
    if asset.status != "ready" or not asset.hls_master_key:
        raise Conflict("Tệp chưa sẵn sàng để phát." if asset.status != "failed" else
                       f"Xử lý tệp thất bại: {asset.error}")
    try:
        text = services.get_storage().get_bytes(asset.hls_master_key).decode("utf-8")
    except ObjectNotFound:
        raise NotFound("Không tìm thấy danh sách phát.") from None
    except StorageError as exc:
        raise services.StorageUnavailable("Kho lưu trữ không trả lời. Vui lòng thử lại sau.") from exc
    return _playlist_response(rewrite_playlist(text, asset.hls_master_key, asset, playback_ttl(asset)))


@bp.endpoint("/media/<int:asset_id>/o/<path:name>", "GET", allow=PUBLIC, query=schemas.MediaSignedQuery,
             produces="application/octet-stream", errors=(403, 416),
             summary="An object behind a signed URL (playlists rewritten, HTTP Range supported). Public: the "
                     "URL's signature is the permission")
def signed_object(asset_id, name, args):
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None:
        raise NotFound("Không tìm thấy tệp phương tiện.")
    try:
        key = urls.verify_object(asset_id, name, args["exp"], args["sig"], args["d"])
        validate_key(key)
    except InvalidKey:
        raise NotFound("Không tìm thấy đối tượng.") from None
    storage = services.get_storage()
    if key.endswith(".m3u8"):
        try:
            text = storage.get_bytes(key).decode("utf-8")
        except ObjectNotFound:
            raise NotFound("Không tìm thấy danh sách phát.") from None
        return _playlist_response(rewrite_playlist(text, key, asset, playback_ttl(asset)))
    download_name = asset.filename if key == asset.object_key else None
    return serve_object(storage, key, disposition=args["d"], filename=download_name)


def serve_object(storage, key: str, *, disposition: str | None = None, filename: str | None = None) -> Response:
    """Stream ``key`` with single-range HTTP Range support (206/416), ETag and Content-Disposition."""
    try:
        info = storage.stat(key)
    except ObjectNotFound:
        raise NotFound("Không tìm thấy đối tượng.") from None
    except StorageError as exc:
        raise services.StorageUnavailable("Kho lưu trữ không trả lời. Vui lòng thử lại sau.") from exc
    size, start, end, status = info.size, 0, info.size - 1, 200
    ranges = parse_range_header(request.headers.get("Range"))
    if_range = request.headers.get("If-Range")
    # Malformed or multi-range requests get the whole object, as RFC 9110 allows.
    if ranges is not None and len(ranges.ranges) == 1 and (if_range is None or if_range.strip('"') == info.etag):
        bounds = ranges.range_for_length(size)
        if bounds is None:
            return problem(416, "Khoảng byte không hợp lệ", f"Đối tượng chỉ có {size} byte.",
                           slug="range-not-satisfiable", headers={"Content-Range": f"bytes */{size}"})
        start, end, status = bounds[0], bounds[1] - 1, 206
    try:
        chunks = storage.open_range(key, start, end if size else None)
    except ObjectNotFound:
        raise NotFound("Không tìm thấy đối tượng.") from None
    except RangeNotSatisfiable:
        return problem(416, "Khoảng byte không hợp lệ", f"Đối tượng chỉ có {size} byte.",
                       slug="range-not-satisfiable", headers={"Content-Range": f"bytes */{size}"})
    response = Response(chunks, status=status, mimetype=info.content_type, direct_passthrough=True)
    response.headers["Content-Length"] = str(max(0, end - start + 1))
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["ETag"] = f'"{info.etag}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    if status == 206:
        response.headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    if disposition:
        response.headers["Content-Disposition"] = disposition_header(filename or posixpath.basename(key),
                                                                     disposition)
    return response


def _signed_redirect(asset: MediaAsset, key: str, disposition: str, filename: str | None):
    url = urls.object_url(services.get_storage(), asset.id, key, 15 * 60, disposition=disposition,
                          filename=filename)
    response = redirect(url, code=302)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.endpoint("/media/<int:asset_id>/file", "GET", allow=SIGNED_IN, status=302,
             summary="The original file: a redirect to a short-lived signed URL (inline for PDF and images; "
                     "video/audio originals for their owner only)")
def download_file(asset_id):
    asset = permissions.ensure_visible(current_user, asset_id)
    if not asset.object_key or (asset.kind in ("video", "audio") and not permissions.can_manage(current_user, asset)):
        raise NotFound("Không có tệp gốc để tải.")
    disposition = "inline" if asset.kind in ("pdf", "image") else "attachment"
    return _signed_redirect(asset, asset.object_key, disposition, asset.filename)


@bp.endpoint("/media/<int:asset_id>/thumbnail", "GET", allow=SIGNED_IN, produces=("image/jpeg", "image/webp"),
             also=(302,),
             query=schemas.ThumbnailQuery,
             summary="Poster frame, first PDF page or image preview: a redirect to a short-lived signed URL. "
                     "?w=<px> picks the smallest stored width covering it (320, 640, 960, 1280) and "
                     "?format=webp|jpeg its format (then the picture itself, cacheable for a day); without them, "
                     "a redirect to the original preview")
def get_thumbnail(asset_id, args):
    asset = permissions.ensure_visible(current_user, asset_id)
    if not asset.thumbnail_key:
        raise NotFound("Tệp chưa có ảnh xem trước.")
    width, fmt = args["w"], args["format"]
    if width is None and fmt is None:
        response = _signed_redirect(asset, asset.thumbnail_key, "inline", None)
        response.headers["Cache-Control"] = "private, max-age=600"
        return response
    try:
        key = thumbnails.ensure_variant(asset.id, asset.thumbnail_key, services.get_storage(),
                                        thumbnails.snap_width(width), fmt or "jpeg", services.tmp_dir())
    except ProcessingError:
        # A preview ffmpeg cannot scale is still a preview: send the original rather than no picture.
        key = asset.thumbnail_key
    except ObjectNotFound:
        raise NotFound("Tệp chưa có ảnh xem trước.") from None
    # The sized picture itself, not a redirect to a signed URL: on 3G every redirect is one more round trip
    # before anything shows, and a stable URL lets the phone keep the picture for a day.
    storage = services.get_storage()
    try:
        etag = f'"{storage.stat(key).etag}"'
    except ObjectNotFound:
        raise NotFound("Tệp chưa có ảnh xem trước.") from None
    if etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
    else:
        response = serve_object(storage, key)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["Content-Type"] = "image/webp" if key.endswith(".webp") else "image/jpeg"
    return response
