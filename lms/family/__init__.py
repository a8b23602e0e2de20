"""The parent portal (cổng phụ huynh): per child, what the child sees of their grades, exams and lectures.

Read-only and built only from the lower packages' ``api`` modules; which students a parent follows is
``lms.accounts`` guardians.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the portal pages and the parent's menu entry."""
    from lms.core.web import register_nav

    from . import views

    app.register_blueprint(views.web)
    register_nav(app, title="Con của tôi", endpoint="family_web.portal", roles=("parent",), order=10,
                 description="Điểm, bài kiểm tra và bài giảng của con, theo từng con.")
