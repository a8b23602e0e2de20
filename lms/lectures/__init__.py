"""The e-lecture library: lectures with versions, the department's curation, collections and watch progress."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API, the pages, the media access check, signal handlers, menu entries and the demo seeder."""
    import media.api as media_api
    from lms.core.home import register_home_panel
    from lms.core.seeding import register_seeder
    from lms.core.web import register_nav

    from . import api, handlers, home, routes, seed, views

    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    media_api.register_access_check(api.can_view_media)
    handlers.connect()
    register_nav(app, title="Thư viện bài giảng", endpoint="lectures_web.library", roles=("student",), order=10,
                 description="Xem bài giảng e-learning theo môn, khối, chủ đề.")
    register_nav(app, title="Bài giảng của tôi", endpoint="lectures_web.mine", roles=("teacher", "department"),
                 order=10, description="Soạn bài giảng, tải video, theo dõi tiến độ của lớp.")
    register_nav(app, title="Kho học liệu chung", endpoint="lectures_web.library",
                 roles=("teacher", "department", "admin"), order=11,
                 description="Bài giảng dùng chung và các bộ bài giảng nổi bật.")
    register_nav(app, title="Duyệt bài giảng", endpoint="lectures_web.review_queue", roles=("department",),
                 order=12, description="Bài giảng giáo viên gửi lên kho học liệu chung.")
    register_home_panel(app, name="lectures", template="lectures/_home.html", provider=home.student_panel,
                        roles=("student",), order=20)
    register_seeder(app, seed.seed_demo)
