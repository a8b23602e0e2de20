"""The web shell: navigation registry, the Vietnamese locale, compression, security headers, template helpers."""
from __future__ import annotations

import os

from flask import Flask, current_app, request, url_for
from flask_compress import Compress
from flask_login import current_user
from markupsafe import Markup, escape

from . import assets, formatting
from .errors import BadRequest
from .extensions import babel

#: The product speaks Vietnamese only. The earlier ``?lang=en`` switch changed ``<html lang>`` but no text (no
#: template was wrapped for translation), which misled screen readers and search engines; it is gone until an
#: English catalogue exists.
LOCALE = "vi"

compress = Compress()


def register_nav(app: Flask, *, title: str, endpoint: str, roles: tuple[str, ...], order: int = 50,
                 description: str = "") -> None:
    """Features add their pages to the menu and the dashboard without the shell knowing them."""
    items = app.extensions.setdefault("lms_dashboard_cards", [])
    items.append({"title": title, "endpoint": endpoint, "roles": roles, "order": order, "description": description})
    items.sort(key=lambda item: item["order"])


def _with_query(url: str, **params) -> str:
    sep = "&" if "?" in url else "?"
    return url + sep + "&".join(f"{k}={v}" for k, v in params.items())


def picture(url: str | None, sizes: str = "100vw", alt: str = "", css_class: str = "", lazy: bool = True,
            width: int | None = None, height: int | None = None) -> Markup:
    """A ``<picture>`` offering a thumbnail URL in every width of ``IMAGE_WIDTHS``, WebP first, JPEG after.

    ``url`` is an image endpoint that takes ``?w=<px>&format=webp|jpeg`` (media's ``/thumbnail``); the browser
    picks the width from ``sizes`` and the screen density, so a 390 px phone downloads a 640 px WebP instead of
    a 1280 px JPEG. ``width``/``height`` reserve the box before the picture arrives (no layout jump).
    """
    if not url:
        return Markup("")
    webp = ", ".join(f"{escape(_with_query(url, w=w, format='webp'))} {w}w" for w in assets.IMAGE_WIDTHS)
    jpeg = ", ".join(f"{escape(_with_query(url, w=w, format='jpeg'))} {w}w" for w in assets.IMAGE_WIDTHS)
    fallback = escape(_with_query(url, w=assets.IMAGE_WIDTHS[1], format="jpeg"))
    attrs = f' class="{escape(css_class)}"' if css_class else ""
    attrs += ' loading="lazy"' if lazy else ' fetchpriority="high"'
    if width and height:
        attrs += f' width="{int(width)}" height="{int(height)}"'
    return Markup(f'<picture><source type="image/webp" srcset="{webp}" sizes="{escape(sizes)}">'
                  f'<img src="{fallback}" srcset="{jpeg}" sizes="{escape(sizes)}" alt="{escape(alt)}"'
                  f' decoding="async"{attrs}></picture>')


#: Pinned third-party front-end assets (KaTeX, hls.js), each with its LICENSE, kept apart from product code.
VENDOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "vendor")


def register_vendor_assets(app: Flask) -> None:
    """Serve ``vendor/`` at ``/static/vendor/`` so every feature's pages share one copy of each library; then
    fingerprint and precompress every static endpoint (``lms.core.assets``). Call after all blueprints."""

    def vendor(filename: str):
        return assets.serve(VENDOR_DIR, filename)

    app.add_url_rule("/static/vendor/<path:filename>", "vendor", vendor)
    assets.init_app(app)


def _select_locale():
    return LOCALE


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
    # Interactive packages may be served from an origin of their own (PACKAGE_ORIGIN) and framed by the player.
    frames = f"; frame-src 'self' {config['PACKAGE_ORIGIN']}" if config.get("PACKAGE_ORIGIN") else ""
    return (f"default-src 'self'; img-src 'self' data: blob:{extra}; media-src 'self' blob:{extra}; "
            f"connect-src 'self'{extra}; style-src 'self' 'unsafe-inline'; script-src 'self'{frames}; "
            "worker-src 'self' blob:; frame-ancestors 'self'; base-uri 'self'; form-action 'self'")


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    csp = content_security_policy(app.config)
    formatting.init_app(app)
    app.jinja_env.globals["picture"] = picture
    # Pages and JSON are compressed per response (brotli first, then gzip); static files arrive precompressed
    # from lms.core.assets with Content-Encoding set, which Flask-Compress leaves alone.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_MIN_SIZE", 512)
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/plain", "text/csv", "application/json", "application/problem+json",
        "application/javascript", "text/javascript", "image/svg+xml", "application/xml",
        "application/vnd.apple.mpegurl"])
    compress.init_app(app)

    @app.route("/favicon.ico")
    def favicon():
        # Browsers and bookmark tools ask for /favicon.ico whatever the page says.
        return assets.serve(app.static_folder, "favicon.ico")

    @app.context_processor
    def shell_context():
        items = []
        if current_user.is_authenticated:
            for item in current_app.extensions.get("lms_dashboard_cards", []):
                if current_user.role in item["roles"]:
                    items.append({**item, "url": url_for(item["endpoint"])})
        return {"nav_items": items, "current_locale": LOCALE,
                "has_search": "search_web.results" in current_app.view_functions}

    @app.before_request
    def refuse_unstorable_text():
        # The API checks its inputs in rest.load; web pages get the same rule for query strings and forms:
        # PostgreSQL text cannot hold NUL, and a page must answer 400, not fail inside the database driver.
        if request.path.startswith("/api/"):
            return None
        values = [v for vs in request.args.listvalues() for v in vs]
        if request.mimetype == "application/x-www-form-urlencoded":
            values += [v for vs in request.form.listvalues() for v in vs]
        if any("\x00" in v for v in values):
            raise BadRequest("Dữ liệu gửi lên chứa ký tự không hợp lệ.")
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
            # Scripts only from this origin: every page's JS is a vendored static file, no inline handlers.
            response.headers.setdefault("Content-Security-Policy", csp)
        return response
