"""The question bank: every question type, immutable versions, department curation, import/export, pages.

Other packages import ``question_bank.api`` (and ``question_bank.signals``) only.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the JSON API, the teacher pages, the menu items, the media access check and the demo seeder."""
    from lms.core.seeding import register_seeder
    from lms.core.web import register_nav

    from . import routes, views
    from .seed import seed_demo

    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    register_nav(app, title="Ngân hàng câu hỏi", endpoint="question_bank_web.index", roles=("teacher", "department"),
                 order=20, description="Soạn, nhập, xuất và chia sẻ câu hỏi mọi dạng.")
    register_nav(app, title="Duyệt câu hỏi", endpoint="question_bank_web.review_queue", roles=("department",),
                 order=21, description="Hàng chờ duyệt ngân hàng câu hỏi dùng chung.")
    _register_media_check()
    register_seeder(app, seed_demo)


def _register_media_check() -> None:
    # Images inside a question are visible to whoever may see the question; media asks us through this hook.
    try:
        from media import api as media_api
    except ImportError:  # a deployment without the media package has no images to guard
        return
    from .permissions import may_view_media

    media_api.register_access_check(may_view_media)
