"""Domain errors and their single translation into RFC 9457 problem details.

Services raise these (never ``abort()``); ``init_app`` turns them, marshmallow validation errors and HTTP
errors into ``application/problem+json`` for the API and into friendly pages for the web UI.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://hoclieuso.vn/problems/"


class DomainError(Exception):
    """Base of every error a service may raise on purpose. ``status`` decides the HTTP code."""

    status = 400
    title = "Yêu cầu không hợp lệ"
    slug = "bad-request"

    def __init__(self, detail: str | None = None, *, errors: dict | None = None, headers: dict | None = None,
                 extra: dict | None = None):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


class BadRequest(DomainError):
    status, title, slug = 400, "Yêu cầu không hợp lệ", "bad-request"


class Unauthorized(DomainError):
    status, title, slug = 401, "Chưa đăng nhập", "unauthorized"


class Forbidden(DomainError):
    status, title, slug = 403, "Không có quyền", "forbidden"


class NotFound(DomainError):
    status, title, slug = 404, "Không tìm thấy", "not-found"


class Conflict(DomainError):
    status, title, slug = 409, "Xung đột trạng thái", "conflict"


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Dữ liệu gửi lên quá lớn", "too-large"


class UnsupportedMediaType(DomainError):
    status, title, slug = 415, "Định dạng không được hỗ trợ", "unsupported-media-type"


class ValidationFailed(DomainError):
    status, title, slug = 422, "Dữ liệu không hợp lệ", "validation-failed"


class RateLimited(DomainError):
    status, title, slug = 429, "Quá nhiều yêu cầu", "rate-limited"


_HTTP_TITLES = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: None, 409: Conflict,
    413: PayloadTooLarge, 415: UnsupportedMediaType, 422: ValidationFailed, 429: RateLimited,
}


def wants_problem_json() -> bool:
    """API paths always answer JSON; web pages answer HTML unless the client asks for JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in {"application/json", "application/problem+json"}


def _string_keys(errors):
    # marshmallow keys list items by int and a form may carry odd names; JSON wants strings, sorted.
    if isinstance(errors, dict):
        return {("_schema" if key is None else str(key)): _string_keys(value) for key, value in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [_string_keys(item) for item in errors]
    return errors


def problem(status: int, title: str, detail: str, *, slug: str = "about:blank", errors: dict | None = None,
            headers: dict | None = None, extra: dict | None = None):
    """Build a problem+json response."""
    body = {
        "type": PROBLEM_BASE + slug if slug != "about:blank" else slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = _string_keys(errors)
    if extra:
        body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _html_error(status: int, title: str, detail: str, headers: dict | None = None):
    response = current_app.make_response((render_template("error.html", status=status, title=title,
                                                          detail=detail), status))
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _respond(status, title, detail, *, slug, errors=None, headers=None, extra=None):
    if wants_problem_json():
        return problem(status, title, detail, slug=slug, errors=errors, headers=headers, extra=extra)
    return _html_error(status, title, detail, headers)


def init_app(app: Flask) -> None:
    """Register the one set of error handlers."""

    @app.errorhandler(DomainError)
    def handle_domain(exc: DomainError):
        return _respond(exc.status, exc.title, exc.detail, slug=exc.slug, errors=exc.errors, headers=exc.headers,
                        extra=exc.extra)

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        status = exc.code or 500
        cls = _HTTP_TITLES.get(status)
        title = cls.title if cls else (exc.name or "Lỗi")
        slug = cls.slug if cls else "about:blank"
        headers = {}
        if status == 405:
            title, slug = "Phương thức không được phép", "method-not-allowed"
            headers["Allow"] = ", ".join(exc.valid_methods or [])
        if status == 429:
            retry = getattr(exc, "retry_after", None)
            limit = getattr(exc, "limit", None)
            if retry is None and limit is not None:
                retry = int(limit.limit.get_expiry())
            headers["Retry-After"] = str(retry or 60)
        detail = exc.description if status != 404 else "Không tìm thấy tài nguyên được yêu cầu."
        if status == 413:
            from .limits import too_large_detail

            detail = too_large_detail(request.max_content_length)
        if status == 400 and "CSRF" in (exc.description or ""):
            detail = "Phiên làm việc đã hết hạn hoặc thiếu mã CSRF. Vui lòng tải lại trang."
        return _respond(status, title, detail, slug=slug, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        if app.testing and not app.config.get("PROPAGATE_UNEXPECTED") is False:
            raise exc
        # The route rule, not the path or body: paths carry ids of people, bodies personal data (shared/DOMAIN.md).
        rule = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        log.exception("unexpected error on %s %s", request.method, rule)
        return _respond(500, "Lỗi máy chủ", "Đã có lỗi bất ngờ. Vui lòng thử lại sau.", slug="server-error")
