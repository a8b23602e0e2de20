"""The exam list (a student's assigned exams, a teacher's own), the start and take pages, and a review."""
from __future__ import annotations

from flask import redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.accounts.api import get_user
from lms.core.db import db, utcnow
from lms.core.errors import NotFound
from lms.curriculum.api import subject_names

from .. import attempts, permissions, rules
from ..models import Attempt, Exam
from .blueprint import MODE_LABELS, REVIEW_LABELS, STATUS_LABELS, _student_only, web

@web.route("/")
@login_required
def index():
    if current_user.role == "student":
        from ..routes import assigned_exams

        return render_template("exams/student_list.html", exams=assigned_exams(current_user), now=utcnow(),
                               subjects=subject_names(), modes=MODE_LABELS)
    if current_user.role not in ("teacher", "admin"):
        raise NotFound()
    exams = db.session.scalars(select(Exam).where(Exam.owner_id == current_user.id)
                               .order_by(Exam.created_at.desc())).all()
    return render_template("exams/teacher_list.html", exams=exams, subjects=subject_names(), modes=MODE_LABELS)


def question_count(exam: Exam) -> int:
    """How many questions a student will get: the pinned paper, or the blueprint's counts when drawn per student."""
    total = 0
    for section in exam.sections or []:
        if section.get("fill") == "per_student":
            total += sum(int(cell.get("count") or 0) for cell in section.get("blueprint") or [])
        else:
            total += len(section.get("items") or [])
    return total


@web.route("/<int:exam_id>/start")
@login_required
def start(exam_id):
    """Instructions before the timer starts: rules, duration, questions, attempts; “Bắt đầu làm bài” opens the
    paper (the attempt, and its timer, begin only there). An attempt already running goes straight back."""
    _student_only()
    exam = permissions.ensure_takeable(current_user, db.session.get(Exam, exam_id))
    mine = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                    Attempt.student_id == current_user.id)).all()
    if any(a.status == "in_progress" for a in mine):
        return redirect(url_for("exams_web.take", exam_id=exam.id))
    now = utcnow()
    state = "open"
    if exam.opens_at and now < exam.opens_at:
        state = "not_open"
    elif exam.closes_at and now >= exam.closes_at:
        state = "closed"
    elif exam.max_attempts is not None and len(mine) >= exam.max_attempts:
        state = "no_attempts"
    from flask_babel import format_datetime

    def when(value):
        return format_datetime(value, "HH:mm 'ngày' dd/MM/yyyy") if value else ""

    return render_template("exams/start.html", exam=exam, subjects=subject_names(), questions=question_count(exam),
                           used=len(mine), state=state, opens=when(exam.opens_at), closes=when(exam.closes_at),
                           review_labels=REVIEW_LABELS, modes=MODE_LABELS,
                           last=max(mine, key=lambda a: a.number) if mine else None)


@web.route("/<int:exam_id>/take")
@login_required
def take(exam_id):
    _student_only()
    exam = permissions.ensure_takeable(current_user, db.session.get(Exam, exam_id))
    return render_template("exams/take.html", exam=exam, subjects=subject_names(),
                           grace=rules.GRACE_SECONDS)


@web.route("/take-sw.js")
@login_required
def take_worker():
    """The take page's service worker. Served from /exams/ (not the static folder) so that it may control a
    page at /exams/<id>/take; each page registers it with its own path as the scope (see take-sw.js)."""
    response = send_from_directory(web.static_folder, "take-sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


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
    can_grade = permissions.can_manage(current_user, exam)
    student, next_pending = None, None
    if can_grade:
        student = get_user(attempt.student_id)
        next_pending = db.session.scalar(
            select(Attempt.id).where(Attempt.exam_id == exam.id, Attempt.status == "needs_grading",
                                     Attempt.id != attempt.id).order_by(Attempt.submitted_at, Attempt.id).limit(1))
    return render_template("exams/review.html", doc=doc, exam=exam, status_labels=STATUS_LABELS,
                           can_grade=can_grade, may_write=can_grade and current_user.role == "teacher",
                           student=student, next_pending=next_pending)
