"""Web pages of exams: the student list and test page, reviews, and the teacher's list, form, results, statistics.

The test page is a shell: its script (static/take.js) drives the JSON API, so the rules (deadline, key
hiding, autosave conflicts) are enforced in one place, the API.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.api import get_class, taught_class_ids
from lms.core.db import db, utcnow
from lms.core.errors import DomainError, NotFound
from lms.curriculum.api import subject_names
from question_bank import api as bank

from . import attempts, permissions, rules, services, statistics
from .models import Attempt, Exam

web = Blueprint("exams_web", __name__, url_prefix="/exams", template_folder="templates",
                static_folder="static", static_url_path="/static/exams")

REVIEW_LABELS = {"immediately": "Ngay sau khi nộp", "after_submit": "Điểm sau khi nộp, đáp án khi đóng bài",
                 "after_close": "Sau khi đóng bài", "never": "Chỉ xem điểm"}
MODE_LABELS = {"practice": "Luyện tập", "exam": "Kiểm tra"}
STATUS_LABELS = {"in_progress": "Đang làm", "needs_grading": "Chờ chấm", "graded": "Đã chấm"}


def _student_only():
    if current_user.role != "student":
        raise NotFound("Trang này dành cho học sinh.")


def _teacher_exam(exam_id: int) -> Exam:
    return permissions.ensure_manageable(current_user, db.session.get(Exam, exam_id))


@web.route("/")
@login_required
def index():
    if current_user.role == "student":
        from .routes import assigned_exams

        return render_template("exams/student_list.html", exams=assigned_exams(current_user), now=utcnow(),
                               subjects=subject_names(), modes=MODE_LABELS)
    if current_user.role not in ("teacher", "admin"):
        raise NotFound()
    exams = db.session.scalars(select(Exam).where(Exam.owner_id == current_user.id)
                               .order_by(Exam.created_at.desc())).all()
    return render_template("exams/teacher_list.html", exams=exams, subjects=subject_names(), modes=MODE_LABELS)


@web.route("/<int:exam_id>/take")
@login_required
def take(exam_id):
    _student_only()
    exam = permissions.ensure_takeable(current_user, db.session.get(Exam, exam_id))
    return render_template("exams/take.html", exam=exam, subjects=subject_names(),
                           grace=rules.GRACE_SECONDS)


@web.route("/attempts/<int:attempt_id>")
@login_required
def review(attempt_id):
    attempt = db.session.get(Attempt, attempt_id)
    exam = db.session.get(Exam, attempt.exam_id) if attempt else None
    permissions.ensure_attempt_visible(current_user, attempt, exam)
    if attempts.finalize_if_overdue(attempt, exam):
        db.session.commit()
    doc = attempts.document(attempt, exam, current_user)
    if doc["status"] == "in_progress" and current_user.role == "student":
        return redirect(url_for("exams_web.take", exam_id=exam.id))
    return render_template("exams/review.html", doc=doc, exam=exam, status_labels=STATUS_LABELS,
                           can_grade=permissions.can_manage(current_user, exam))


def _parse_time(value: str | None):
    # <input type="datetime-local"> sends local time without an offset; schools run on Vietnam time (UTC+7).
    if not value:
        return None
    from datetime import timedelta

    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone(timedelta(hours=7)))
    return parsed


def _form_data(form) -> dict:
    """The create form as the API's ExamWrite shape; a bad field raises DomainError shown on the page."""
    from .schemas import ExamWrite
    from lms.core.rest import load

    kind = form.get("build", "preset")
    raw = {
        "title": form.get("title", "").strip(), "subject": form.get("subject", ""),
        "grade": form.get("grade") or None, "class_ids": [int(c) for c in form.getlist("class_ids") if c.isdigit()],
        "mode": form.get("mode", "exam"), "review": form.get("review", "after_submit"),
        "counted": form.get("counted", "best"), "shuffle_questions": bool(form.get("shuffle_questions")),
        "shuffle_options": bool(form.get("shuffle_options")),
        "duration_minutes": int(form["duration_minutes"]) if form.get("duration_minutes", "").isdigit() else None,
        "max_attempts": int(form["max_attempts"]) if form.get("max_attempts", "").isdigit() else None,
    }
    for name in ("opens_at", "closes_at"):
        parsed = _parse_time(form.get(name))
        raw[name] = parsed.isoformat() if parsed else None
    if form.get("gradebook_kind"):
        raw["gradebook"] = {"column_kind": form["gradebook_kind"], "semester": int(form.get("semester") or 1)}
    if kind == "preset":
        raw["preset"] = form.get("preset")
    else:
        try:
            points = str(Decimal(form.get("points_per_question", "").replace(",", ".")))
        except InvalidOperation:
            points = None
        section = {"title": form.get("section_title") or "Phần I", "points_per_question": points,
                   "scoring": form.get("scoring", "proportional"), "fill": form.get("fill", "fixed")}
        if kind == "questions":
            section["question_ids"] = [int(x) for x in form.get("question_ids", "").replace(",", " ").split()
                                       if x.isdigit()]
        else:
            cells = []
            for level in rules.LEVELS:
                count = form.get(f"count_{level}", "")
                if count.isdigit() and int(count) > 0:
                    cells.append({"level": level, "type": form.get("cell_type") or None,
                                  "topic_id": int(form["topic_id"]) if form.get("topic_id", "").isdigit() else None,
                                  "count": int(count)})
            section["blueprint"] = cells
        raw["sections"] = [section]
    return load(ExamWrite(), raw)


@web.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if current_user.role != "teacher":
        raise NotFound()
    errors = {}
    if request.method == "POST":
        try:
            exam = services.create_exam(current_user, _form_data(request.form))
            db.session.commit()
            flash("Đã tạo bài kiểm tra.", "info")
            return redirect(url_for("exams_web.results", exam_id=exam.id))
        except DomainError as exc:
            db.session.rollback()
            errors = exc.errors or {"_": [exc.detail]}
            flash(exc.detail, "error")
    classes = [get_class(cid) for cid in sorted(taught_class_ids(current_user.id))]
    return render_template("exams/new.html", classes=[c for c in classes if c], subjects=subject_names(),
                           presets=bank.EXAM_PRESETS, levels=rules.LEVELS, errors=errors, form=request.form,
                           review_labels=REVIEW_LABELS), (422 if errors else 200)


@web.route("/<int:exam_id>/results")
@login_required
def results(exam_id):
    exam = _teacher_exam(exam_id)
    if attempts.submit_overdue_for_exam(exam):
        db.session.commit()
    doc = statistics.results(exam)
    return render_template("exams/results.html", exam=exam, doc=doc, labels=statistics.STATUS_LABELS,
                           subjects=subject_names())


def histogram_svg(histogram: list[dict], width: int = 360, height: int = 160) -> dict:
    """Bars of the score histogram as SVG geometry, computed on the server (no chart script needed)."""
    peak = max((b["count"] for b in histogram), default=0) or 1
    bar_w = width / max(len(histogram), 1)
    bars = []
    for i, b in enumerate(histogram):
        h = (height - 20) * b["count"] / peak
        bars.append({"x": round(i * bar_w + 2, 1), "y": round(height - 16 - h, 1), "w": round(bar_w - 4, 1),
                     "h": round(h, 1), "count": b["count"], "label": f"{b['from']}–{b['to']}",
                     "lx": round(i * bar_w + bar_w / 2, 1)})
    return {"width": width, "height": height, "bars": bars}


@web.route("/<int:exam_id>/statistics")
@login_required
def stats(exam_id):
    exam = _teacher_exam(exam_id)
    doc = statistics.cached(exam)
    db.session.commit()
    return render_template("exams/statistics.html", exam=exam, doc=doc, svg=histogram_svg(doc["histogram"]))
