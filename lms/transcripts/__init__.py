"""Học bạ số: the digital transcript per student per school year, generated from the gradebook's data as a PDF
with Vietnamese fonts embedded, signed in order (homeroom teacher, principal, the school's seal) as PAdES
signatures with pyHanko, and verifiable by anyone signed in."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API, the verify page, the unlock handler and the menu entry."""
    from lms.core.web import register_nav

    from . import handlers, routes, tasks, views  # noqa: F401  (tasks registers its job on import)

    app.config.setdefault("GRADEBOOK_TRUSTED_ROOTS", None)
    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    handlers.connect()
    register_nav(app, title="Học bạ số", endpoint="transcripts_web.index", roles=("admin", "teacher"), order=45,
                 description="Tạo học bạ từ sổ điểm, ký số (GVCN, hiệu trưởng, dấu trường), tải về.")
    register_nav(app, title="Kiểm tra chữ ký", endpoint="transcripts_web.verify", roles=("admin", "teacher"),
                 order=80, description="Kiểm tra chữ ký số của học bạ hoặc sổ điểm (PDF).")
