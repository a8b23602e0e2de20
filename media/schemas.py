"""Marshmallow schemas of the media API (names prefixed ``Media``: schema names are global in OpenAPI)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .models import KINDS, STATUSES


class MediaRenditionOut(Schema):
    name = fields.String(metadata={"description": "240p, 360p, 720p, 1080p or audio"})
    height = fields.Integer(allow_none=True)
    width = fields.Integer(allow_none=True)
    bandwidth = fields.Integer(metadata={"description": "Peak bits per second"})


class MediaPackageOut(Schema):
    type = fields.String(metadata={"enum": ["html5", "scorm", "h5p"]})
    title = fields.String(metadata={"description": "From the manifest / h5p.json / <title>; may be empty"})
    launch = fields.String(metadata={"description": "Path of the launch file inside the package"})
    version = fields.String(metadata={"description": "SCORM only: 1.2 or 2004"})
    files = fields.Integer()
    unpacked_bytes = fields.Integer()


class MediaOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(KINDS)})
    status = fields.String(metadata={"enum": list(STATUSES)})
    progress = fields.Integer(metadata={"description": "0..100 while processing"})
    error = fields.String(allow_none=True, metadata={"description": "Why processing failed, for the uploader"})
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    duration_s = fields.Float(allow_none=True)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    pages = fields.Integer(allow_none=True, metadata={"description": "PDFs: number of pages, once processed"})
    claimed = fields.Boolean(metadata={"description": "Used by a lecture or question (cannot be deleted)"})
    created_at = fields.DateTime()
    renditions = fields.List(fields.Nested(MediaRenditionOut))
    package = fields.Nested(MediaPackageOut, allow_none=True,
                            metadata={"description": "Interactive packages (kind package) once inspected"})
    package_url = fields.String(allow_none=True, metadata={"description": "Opens the package (sandboxed)"})
    hls_url = fields.String(allow_none=True, metadata={"description": "Master playlist (ready video/audio)"})
    thumbnail_url = fields.String(allow_none=True)
    download_url = fields.String(allow_none=True)


class MediaListQuery(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class MediaUploadIn(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=255))
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1),
                          metadata={"description": "Exact size in bytes of the file to be PUT"})
    content_type = fields.String(load_default=None, validate=validate.Length(max=120))


class MediaUploadOut(Schema):
    upload_id = fields.String()
    method = fields.String(metadata={"description": "Always PUT: send the raw bytes as the body"})
    url = fields.String(metadata={"description": "Presigned storage URL or an app-signed URL; short-lived"})
    expires_at = fields.DateTime()
    max_bytes = fields.Integer()


class MediaSignedQuery(Schema):
    exp = fields.String(load_default=None, metadata={"description": "Expiry, Unix seconds"})
    sig = fields.String(load_default=None, metadata={"description": "HMAC signature"})
    d = fields.String(load_default=None, validate=validate.OneOf(("inline", "attachment")))


class ThumbnailQuery(Schema):
    w = fields.Integer(load_default=None, strict=False, validate=validate.Range(min=16, max=4096),
                       metadata={"description": "Wanted width in px; the smallest stored width covering it is sent "
                                                "(320, 640, 960, 1280)"})
    format = fields.String(load_default=None, validate=validate.OneOf(("webp", "jpeg")),
                           metadata={"description": "webp or jpeg (default jpeg when w is given)"})
