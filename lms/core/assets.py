"""Static files for slow phones: content-hashed URLs cached for a year, and brotli/gzip bodies made once.

Every ``url_for`` of a static endpoint (the app's ``static``, each blueprint's ``<name>.static`` and ``vendor``)
gets ``?v=<hash of the file's bytes>``. A request carrying the current hash is answered with
``Cache-Control: public, max-age=31536000, immutable``: a phone never asks again until the file changes, and a
changed file has a new URL. Without the hash (an old page, a hand-typed URL) the answer is cacheable for five
minutes only.

Text assets (JS, CSS, SVG, JSON, source maps) are sent brotli- or gzip-compressed when the browser accepts it.
The compressed bodies are built once per file version, at maximum compression, into
``$LMS_DATA_DIR/static-cache/`` (``flask assets build`` does all of them at install time; otherwise the first
request does it) and sent as files, so no request pays for compression twice.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import threading
from pathlib import Path

import brotli
from flask import Flask, abort, current_app, request, send_file
from werkzeug.http import parse_accept_header
from werkzeug.security import safe_join

#: Extensions worth compressing (images, fonts and video are compressed already).
COMPRESSIBLE = {".js", ".mjs", ".css", ".svg", ".json", ".map", ".txt", ".html", ".ico", ".xml", ".webmanifest"}
#: Preferred first: brotli is ~15 % smaller than gzip on JS.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=300"
HASH_LENGTH = 12
#: Widths (CSS px × density) thumbnails are made in; pages offer them in ``srcset`` (see ``web.picture``).
IMAGE_WIDTHS = (320, 640, 960, 1280)

_hashes: dict[str, tuple[float, int, str]] = {}
_lock = threading.Lock()


def file_hash(path: str) -> str:
    """The first ``HASH_LENGTH`` hex digits of the file's SHA-256, cached while its mtime and size hold."""
    stat = os.stat(path)
    cached = _hashes.get(path)
    if cached and cached[0] == stat.st_mtime and cached[1] == stat.st_size:
        return cached[2]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:HASH_LENGTH]
    _hashes[path] = (stat.st_mtime, stat.st_size, digest)
    return digest


def static_folders(app: Flask) -> dict[str, str]:
    """Endpoint -> folder for every static endpoint the app serves."""
    from .web import VENDOR_DIR

    folders = {"vendor": VENDOR_DIR}
    if app.static_folder:
        folders["static"] = app.static_folder
    for name, bp in app.blueprints.items():
        if bp.has_static_folder:
            folders[f"{name}.static"] = bp.static_folder
    return folders


def _cache_dir() -> Path:
    path = Path(current_app.config["LMS_DATA_DIR"]) / "static-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def compressed(path: str, suffix: str, cache_dir: Path | None = None) -> Path:
    """The ``suffix`` (``.br``/``.gz``) body of ``path``, built once per file version (atomic write)."""
    cache_dir = cache_dir or _cache_dir()
    digest = file_hash(path)
    target = cache_dir / f"{Path(path).name}.{digest}{suffix}"
    if target.exists():
        return target
    data = Path(path).read_bytes()
    if suffix == ".br":
        body = brotli.compress(data, quality=11, mode=brotli.MODE_TEXT)
    else:
        body = gzip.compress(data, compresslevel=9, mtime=0)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(body)
    os.replace(tmp, target)
    return target


def _negotiate() -> tuple[str, str] | None:
    accepted = parse_accept_header(request.headers.get("Accept-Encoding", ""))
    for name, suffix in ENCODINGS:
        if accepted.quality(name) > 0:
            return name, suffix
    return None


def serve(folder: str, filename: str):
    """Send ``filename`` from ``folder``: compressed if the browser accepts it, immutable if the URL is hashed."""
    path = safe_join(folder, filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    digest = file_hash(path)
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    ext = os.path.splitext(filename)[1].lower()
    choice = _negotiate() if ext in COMPRESSIBLE else None
    if choice:
        encoding, suffix = choice
        response = send_file(compressed(path, suffix), mimetype=mimetype, etag=f"{digest}-{encoding}",
                             conditional=True, max_age=None)
        response.headers["Content-Encoding"] = encoding
    else:
        response = send_file(path, mimetype=mimetype, etag=digest, conditional=True, max_age=None)
    if ext in COMPRESSIBLE:
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = IMMUTABLE if request.args.get("v") == digest else REVALIDATE
    return response


def init_app(app: Flask) -> None:
    """Hash every static URL and serve static endpoints through :func:`serve`. Call after all blueprints."""
    folders = static_folders(app)

    @app.url_defaults
    def fingerprint(endpoint, values):
        folder = folders.get(endpoint)
        if folder and "filename" in values and "v" not in values:
            path = safe_join(folder, values["filename"])
            if path and os.path.isfile(path):
                values["v"] = file_hash(path)

    for endpoint, folder in folders.items():
        def view(filename, _folder=folder):
            return serve(_folder, filename)
        view.__name__ = f"serve_{endpoint.replace('.', '_')}"
        app.view_functions[endpoint] = view

    @app.cli.group("assets")
    def assets_group():
        """Static assets: precompress them at install time."""

    @assets_group.command("build")
    def build():
        """Write the brotli and gzip bodies of every text asset into $LMS_DATA_DIR/static-cache."""
        import click

        count = 0
        for folder in folders.values():
            for root, _dirs, files in os.walk(folder):
                for name in files:
                    if os.path.splitext(name)[1].lower() in COMPRESSIBLE:
                        for _encoding, suffix in ENCODINGS:
                            compressed(os.path.join(root, name), suffix)
                        count += 1
        click.echo(f"{count} static files precompressed (brotli and gzip) into {_cache_dir()}")


__all__ = ["COMPRESSIBLE", "IMAGE_WIDTHS", "IMMUTABLE", "compressed", "file_hash", "init_app", "serve", "static_folders"]
