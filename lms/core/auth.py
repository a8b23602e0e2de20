"""Authentication plumbing: session cookies for the web UI, bearer tokens for the API.

The kernel knows no user model; ``lms.accounts`` registers the loaders. Cookie-authenticated API writes
(the web UI's own scripts) must carry the CSRF token in ``X-CSRFToken``; bearer-token calls need none,
because a browser never attaches a bearer token by itself.
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from .errors import BadRequest
from .extensions import csrf, login_manager

_token_loader: Callable[[str], object | None] | None = None


def register_token_loader(loader: Callable[[str], object | None]) -> None:
    """``loader(raw_token)`` returns the user for a valid token or None."""
    global _token_loader
    _token_loader = loader


def bearer_token() -> str | None:
    return _bearer_of(request)


def _bearer_of(req) -> str | None:
    header = req.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


class BearerSessionInterface(SecureCookieSessionInterface):
    """A request that carries a bearer token is not a browser session: it gets an empty session, and nothing is
    ever written back (no ``Set-Cookie``, no ``Vary: Cookie``).

    The token alone authenticates it (the cookie is not read, so a cookie can never stand in for a bad token),
    and the cookie's signature is not checked for nothing: opening and saving the cookie session was ~7 % of
    an autosave's CPU (issue 16). A browser never attaches a bearer token by itself, so pages are unaffected.
    """

    def open_session(self, app, request):
        if _bearer_of(request) is not None:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if _bearer_of(request) is not None:
            return None
        return super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = BearerSessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "accounts_web.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    csrf.init_app(app)

    @login_manager.request_loader
    def load_from_bearer(req):
        token = bearer_token()
        if token is None or _token_loader is None:
            return None
        user = _token_loader(token)
        if user is not None:
            g.auth_via_token = True
        return user

    @app.before_request
    def api_csrf():
        if not request.path.startswith("/api/"):
            return None
        if request.method in {"GET", "HEAD", "OPTIONS"} or bearer_token():
            return None
        view = current_app.view_functions.get(request.endpoint)
        doc = getattr(view, "api_doc", None)
        if doc is not None and doc.rule.public:
            # Public routes carry their own authority (credentials in the body, a signed URL): no session is used.
            return None
        # Signed in by cookie: the page's script must send the token in X-CSRFToken. Only the header is read:
        # looking in request.form would parse (and consume) a streamed multipart upload before its view runs.
        if current_user.is_authenticated and not g.get("auth_via_token") and current_app.config.get(
                "WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(request.headers.get("X-CSRFToken"))
            except ValidationError:
                raise BadRequest("Thiếu hoặc sai mã CSRF (X-CSRFToken). Vui lòng tải lại trang.") from None
        return None


def exempt_api(blueprint) -> None:
    """API blueprints are checked by ``api_csrf`` above instead of Flask-WTF's blanket rule."""
    csrf.exempt(blueprint)
