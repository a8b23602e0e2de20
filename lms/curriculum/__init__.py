"""Subjects of the 2018 programme and the topic tree per subject and grade."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.core.web import register_nav

    from . import routes, views

    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    register_nav(app, title="Chủ đề", endpoint="curriculum_web.index", roles=("department", "admin"), order=60,
                 description="Danh mục chủ đề/chương theo môn và khối (Chương trình GDPT 2018): sửa, nhập CSV.")
