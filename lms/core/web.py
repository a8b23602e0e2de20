"""The web shell: navigation registry, locale selection, security headers, template helpers."""
from __future__ import annotations

import os

from flask import Flask, current_app, request, send_from_directory, session, url_for
from flask_login import current_user

from flask_babel import get_locale

from .extensions import babel

LOCALES = ("vi", "en")


def register_nav(app: Flask, *, title: str, endpoint: str, roles: tuple[str, ...], order: int = 50,
                 description: str = "") -> None:
    """Features add their pages to the menu and the dashboard without the shell knowing them."""
    items = app.extensions.setdefault("lms_dashboard_cards", [])
    items.append({"title": title, "endpoint": endpoint, "roles": roles, "order": order, "description": description})
    items.sort(key=lambda item: item["order"])


#: Pinned third-party front-end assets (KaTeX, hls.js), each with its LICENSE, kept apart from product code.
VENDOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "vendor")


def register_vendor_assets(app: Flask) -> None:
    """Serve ``vendor/`` at ``/static/vendor/`` so every feature's pages share one copy of each library."""

    def vendor(filename: str):
        return send_from_directory(VENDOR_DIR, filename, max_age=7 * 24 * 3600)

    app.add_url_rule("/static/vendor/<path:filename>", "vendor", vendor)


def _select_locale():
    wanted = request.args.get("lang")
    if wanted in LOCALES:
        session["lang"] = wanted
    return session.get("lang") or "vi"


def storage_origin(config) -> str:
    """The origin browsers fetch presigned media from (``S3_PUBLIC_ENDPOINT`` or ``S3_ENDPOINT``), or ""."""
    endpoint = config.get("S3_PUBLIC_ENDPOINT") or config.get("S3_ENDPOINT")
    if not endpoint:
        return ""
    secure = config.get("S3_SECURE")
    if config.get("S3_PUBLIC_ENDPOINT") and config.get("S3_PUBLIC_SECURE") is not None:
        secure = config.get("S3_PUBLIC_SECURE")  # as media.storage presigns: the public flag with the public host
    return f"{'https' if secure else 'http'}://{endpoint}"


def content_security_policy(config) -> str:
    """Scripts from this origin only; media, posters and hls.js requests also from the storage origin."""
    s3 = storage_origin(config)
    extra = f" {s3}" if s3 else ""
    return (f"default-src 'self'; img-src 'self' data: blob:{extra}; media-src 'self' blob:{extra}; "
            f"connect-src 'self'{extra}; style-src 'self' 'unsafe-inline'; script-src 'self'; "
            "worker-src 'self' blob:; frame-ancestors 'self'; base-uri 'self'; form-action 'self'")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=_select_locale)
    csp = content_security_policy(app.config)

    @app.context_processor
    def shell_context():
        items = []
        if current_user.is_authenticated:
            for item in current_app.extensions.get("lms_dashboard_cards", []):
                if current_user.role in item["roles"]:
                    items.append({**item, "url": url_for(item["endpoint"])})
        return {"nav_items": items, "current_locale": str(get_locale() or "vi"),
                "has_search": "search_web.results" in current_app.view_functions}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            # Scripts only from this origin: every page's JS is a vendored static file, no inline handlers.
            response.headers.setdefault("Content-Security-Policy", csp)
        return response
