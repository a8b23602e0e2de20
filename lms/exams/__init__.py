"""Exams and online testing: definitions, printed versions, attempts, grading, results and statistics."""
from __future__ import annotations

from flask import Flask

DEMO_EXAM_TITLE = "Kiểm tra 15 phút – Toán 10 (demo)"


def init_app(app: Flask) -> None:
    from lms.core.home import register_home_panel
    from lms.core.seeding import register_seeder
    from lms.core.web import register_nav

    # tasks and papers register their jobs (auto-submit, drawing papers ahead) before jobs.init_app.
    from . import home, papers, routes, tasks, views  # noqa: F401

    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    register_nav(app, title="Bài kiểm tra", endpoint="exams_web.index", roles=("teacher", "student"), order=40,
                 description="Làm bài trực tuyến, chấm điểm, thống kê và in đề")
    register_home_panel(app, name="exams", template="exams/_home.html", provider=home.student_panel,
                        roles=("student",), order=10)
    register_seeder(app, seed_demo)


def seed_demo(context: dict) -> None:
    """A short practice test for 10A1 from the demo teacher's Toán 10 questions (idempotent)."""
    from datetime import timedelta

    from sqlalchemy import select

    from lms.accounts.api import get_user
    from lms.core.db import db, utcnow
    from question_bank import api as bank

    from . import services
    from .models import Exam

    teacher = get_user(context["users"]["teacher"])
    if db.session.scalar(select(Exam.id).where(Exam.owner_id == teacher.id, Exam.title == DEMO_EXAM_TITLE)):
        return
    candidates = [c for c in bank.blueprint_candidates(teacher, "toan", 10) if c["type"] != "essay"][:10]
    if not candidates:
        return  # the question bank seeded nothing for Toán 10: nothing to build a demo test from
    services.create_exam(teacher, {
        "title": DEMO_EXAM_TITLE, "subject": "toan", "grade": 10, "class_ids": [context["classes"]["10A1"]],
        "mode": "exam", "duration_minutes": 15, "opens_at": utcnow() - timedelta(minutes=5),
        "closes_at": utcnow() + timedelta(days=30), "max_attempts": 2, "shuffle_questions": True,
        "shuffle_options": True, "review": "after_submit", "counted": "best",
        # Semester II: semester I of the demo gradebook already holds its four regular scores (Thông tư 22).
        "gradebook": {"column_kind": "tx", "semester": 2},
        "sections": [{"title": "Trắc nghiệm", "points_per_question": "1", "scoring": "proportional",
                      "question_ids": [c["id"] for c in candidates], "fill": "fixed"}],
    })
