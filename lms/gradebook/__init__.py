"""Gradebook (sổ điểm điện tử): columns, scores, Thông tư 22 averages, exam posting, export/import,
X.509 sign-off and outbound delivery. ``rules`` and ``signing`` are the pure parts."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API and pages, the exam signal handlers, the delivery jobs, the menu and the demo seeder."""
    from lms.core.seeding import register_seeder
    from lms.core.web import register_nav

    from . import delivery, handlers, routes, views  # noqa: F401  (delivery registers its jobs on import)

    app.config.setdefault("GRADEBOOK_WEBHOOK_URL", None)
    app.config.setdefault("GRADEBOOK_WEBHOOK_SECRET", None)
    app.config.setdefault("GRADEBOOK_TRUSTED_ROOTS", None)
    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    handlers.connect()
    register_nav(app, title="Sổ điểm", endpoint="gradebook_web.index", roles=("teacher", "admin"), order=40,
                 description="Nhập điểm, tính điểm trung bình theo Thông tư 22, xuất sổ điểm, ký số.")
    register_nav(app, title="Điểm của tôi", endpoint="gradebook_web.mine", roles=("student",), order=40,
                 description="Điểm các môn và điểm trung bình đã được công bố.")
    register_seeder(app, seed_demo)


def seed_demo(context: dict) -> None:
    """Demo gradebook: Toán, 10A1, học kì I with the DOMAIN.md worked example for the first student.

    Idempotent: columns are looked up by title before being created, and scores only go into empty cells.
    """
    from decimal import Decimal

    from sqlalchemy import select

    from lms.accounts import api as accounts
    from lms.core.db import db

    from . import services
    from .models import GradebookColumn, Score

    klass = accounts.get_class(context["classes"]["10A1"])
    teacher = accounts.get_user(context["users"]["teacher"])
    plan = [("tx", "Kiểm tra miệng"), ("tx", "Kiểm tra 15 phút lần 1"), ("tx", "Kiểm tra 15 phút lần 2"),
            ("tx", "Thực hành"), ("gk", "Kiểm tra giữa kì I"), ("ck", "Kiểm tra cuối kì I")]
    values = {"student": ["8", "7.5", "9", "6", "7", "8.5"], "student2": ["9", "8", "8.5", "7", "8", "9"],
              "student3": ["6", "6.5", None, "7", "5.5", None]}
    columns = []
    for kind, title in plan:
        column = db.session.scalar(select(GradebookColumn).where(
            GradebookColumn.class_id == klass.id, GradebookColumn.subject_code == "toan",
            GradebookColumn.semester == 1, GradebookColumn.title == title))
        if column is None:
            column = services.create_column(teacher, klass, "toan", 1, kind, title, check_limits=False)
            column.released = True
        columns.append(column)
    db.session.flush()
    for username, scores in values.items():
        student_id = context["users"][username]
        for column, value in zip(columns, scores):
            exists = db.session.scalar(select(Score.id).where(Score.column_id == column.id,
                                                              Score.student_id == student_id))
            if value is not None and exists is None:
                services._apply(column, student_id, services.Entry(value=Decimal(value)), source="manual",
                                actor_id=teacher.id, reason="Dữ liệu mẫu")
