"""Request body limits, decided per route before a byte of the body is read.

Three budgets: upload routes (declared with ``files=`` or ``upload=True`` on ``ApiBlueprint.endpoint``) stream
up to ``MAX_UPLOAD_MB``; every other API route takes at most ``MAX_JSON_KB`` (a JSON document, 1 MB by
default); web pages take at most ``MAX_FORM_KB`` (Flask's ``MAX_CONTENT_LENGTH``). A declared
``Content-Length`` over the budget is answered 413 at once; a chunked body is read through werkzeug's
bounded stream, which raises the same 413 as soon as it passes the budget, so no worker ever holds more.
"""
from __future__ import annotations

import io

from flask import Flask, current_app, request
from flask import Request as FlaskRequest
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property

from .errors import PayloadTooLarge

# Multipart framing (boundaries, part headers, small form fields) on top of the file itself.
MULTIPART_OVERHEAD = 1024 * 1024


def _is_upload_route(req: FlaskRequest) -> bool:
    view = current_app.view_functions.get(req.endpoint) if req.endpoint else None
    doc = getattr(view, "api_doc", None)
    return bool(doc is not None and doc.upload)


def body_limit(req: FlaskRequest) -> int | None:
    """The byte budget of ``req``'s body: the upload, JSON or form limit by route."""
    config = current_app.config
    if _is_upload_route(req):
        return config["MAX_UPLOAD_MB"] * 1024 * 1024 + MULTIPART_OVERHEAD
    if req.path.startswith("/api/"):
        return config["MAX_JSON_KB"] * 1024
    return config.get("MAX_CONTENT_LENGTH")


class _CappedStream(io.RawIOBase):
    """A streamed (chunked) body that raises 413 on the first byte past ``limit``. werkzeug's own bounded
    stream stops quietly at exactly the limit, so a long body would reach the JSON parser cut short (a 400)."""

    def __init__(self, stream, limit: int):
        super().__init__()
        self._stream, self._limit, self._pos = stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(min(len(buffer), self._limit + 1 - self._pos))
        self._pos += len(data)
        if self._pos > self._limit:
            raise RequestEntityTooLarge()
        buffer[:len(data)] = data
        return len(data)


class BoundedRequest(FlaskRequest):
    """A request whose ``max_content_length`` is the route's budget, so werkzeug bounds every way of reading."""

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        if self._max_content_length is not None:
            return self._max_content_length
        if not current_app:
            return super().max_content_length
        return body_limit(self)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @cached_property
    def stream(self):
        limit = self.max_content_length
        if self.content_length is None and limit is not None and self.environ.get("wsgi.input_terminated"):
            return io.BufferedReader(_CappedStream(self.environ["wsgi.input"], limit), 64 * 1024)
        return super().stream


def too_large_detail(limit: int | None) -> str:
    """The human message of a 413 naming the budget that was passed."""
    if not limit:
        return "Dữ liệu gửi lên quá lớn."
    if limit >= 1024 * 1024:
        return f"Dữ liệu gửi lên vượt quá giới hạn {limit // (1024 * 1024)} MB."
    return f"Dữ liệu gửi lên vượt quá giới hạn {max(1, limit // 1024)} KB."


def init_app(app: Flask) -> None:
    """Install the bounded request class and the up-front Content-Length check (before any other hook)."""
    app.request_class = BoundedRequest
    app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_FORM_KB"] * 1024

    def refuse_oversized_body():
        limit = request.max_content_length
        if limit is not None and request.content_length is not None and request.content_length > limit:
            raise PayloadTooLarge(too_large_detail(limit))
        return None

    # First in line: the CSRF and session hooks must not be the ones that touch an oversized body.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversized_body)
