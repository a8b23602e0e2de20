"""The department (Sở/Phòng GD&ĐT) dashboard: figures across schools, with SVG charts and CSV exports.

It only reads, through the public ``api`` of accounts, question_bank, lectures and exams, so it sits above them.
"""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.core.web import register_nav

    from . import views

    app.register_blueprint(views.web)
    register_nav(app, title="Thống kê toàn ngành", endpoint="reports_web.dashboard", roles=("department", "admin"),
                 order=60, description="Ngân hàng câu hỏi, kho bài giảng, duyệt, sử dụng và điểm các đề chung theo trường.")
