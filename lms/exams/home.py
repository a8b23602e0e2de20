"""The student's home panel of exams: what to sit next (soonest deadline first) and recent results."""
from __future__ import annotations

from flask_babel import format_datetime
from sqlalchemy import select

from lms.accounts.api import student_class_ids
from lms.core.db import db, utcnow
from lms.curriculum.api import subject_names

from . import permissions
from .models import Attempt, Exam, ExamClass

#: How many upcoming exams and recent results the home page lists (the exam list has the rest).
TO_DO_LIMIT, RESULTS_LIMIT = 5, 5


def _when(value) -> str:
    """Vietnam time (BABEL_DEFAULT_TIMEZONE / TIMEZONE), the way a student reads it: 07:30 12/12/2026."""
    return format_datetime(value, "HH:mm dd/MM/yyyy") if value else ""


def student_panel(user) -> dict | None:
    """``{todo: [...], results: [...]}`` for the home page; None when the student has no exam at all."""
    class_ids = student_class_ids(user.id)
    assigned = select(ExamClass.exam_id).where(ExamClass.class_id.in_(class_ids or {-1}))
    exams = db.session.scalars(select(Exam).where(Exam.id.in_(assigned))).all()
    if not exams:
        return None
    by_id = {e.id: e for e in exams}
    mine = db.session.scalars(select(Attempt).where(Attempt.student_id == user.id,
                                                    Attempt.exam_id.in_(list(by_id)))).all()
    now = utcnow()
    names = subject_names()
    todo = []
    for exam in exams:
        attempts = [a for a in mine if a.exam_id == exam.id]
        open_attempt = next((a for a in attempts if a.status == "in_progress"), None)
        opened = exam.opens_at is None or exam.opens_at <= now
        closed = exam.closes_at is not None and exam.closes_at <= now
        left = exam.max_attempts is None or len(attempts) < exam.max_attempts
        if closed or not (open_attempt or (opened and left)):
            continue
        todo.append({"id": exam.id, "title": exam.title, "subject": names.get(exam.subject, exam.subject),
                     "mode": exam.mode, "duration_minutes": exam.duration_minutes, "closes_at": exam.closes_at,
                     "deadline": _when(exam.closes_at), "resume": open_attempt is not None,
                     "soon": exam.closes_at is not None and (exam.closes_at - now).total_seconds() < 24 * 3600})
    todo.sort(key=lambda e: (e["closes_at"] is None, e["closes_at"] or now, e["id"]))
    results = []
    for attempt in sorted((a for a in mine if a.status != "in_progress"),
                          key=lambda a: a.submitted_at or a.started_at, reverse=True)[:RESULTS_LIMIT]:
        exam = by_id[attempt.exam_id]
        level = permissions.review_level(user, attempt, exam, now)
        shows = permissions.at_least(level, permissions.SCORE) and attempt.status == "graded"
        results.append({"attempt_id": attempt.id, "title": exam.title, "subject": names.get(exam.subject, exam.subject),
                        "submitted": _when(attempt.submitted_at), "status": attempt.status,
                        "score_10": attempt.score_10 if shows else None,
                        "released": exam.scores_released_at is not None})
    return {"todo": todo[:TO_DO_LIMIT], "more": max(0, len(todo) - TO_DO_LIMIT), "results": results}
