"""The exams assigned to a student, with the attempts and scores the review policy lets the student see."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from lms.accounts.api import student_class_ids
from lms.core.db import db

from ..models import Attempt, Exam, ExamClass
from ..permissions import SCORE, at_least, review_level


def assigned_exams(student, now: datetime) -> list[dict]:
    """The exams assigned to a student's classes, newest closing first, each with the student's attempt count,
    open attempt, submitted attempts ``[{id, number, status, submitted_at, review, score_10}]`` and the last of
    them as ``last_attempt``; ``score_10`` is None until the review policy shows the score to the student.
    Plain values (datetimes, Decimals): the API schema and the page format them."""
    class_ids = student_class_ids(student.id)
    # A subquery, not DISTINCT: PostgreSQL cannot compare the JSON sections column for DISTINCT.
    assigned = select(ExamClass.exam_id).where(ExamClass.class_id.in_(class_ids or {-1}))
    exams = db.session.scalars(select(Exam).where(Exam.id.in_(assigned))
                               .order_by(Exam.closes_at.desc().nulls_last(), Exam.id.desc())).all()
    used, open_ids, submitted = {}, {}, {}
    for attempt in db.session.scalars(select(Attempt).where(Attempt.student_id == student.id,
                                                            Attempt.exam_id.in_([e.id for e in exams] or [-1]))
                                      .order_by(Attempt.number)):
        used[attempt.exam_id] = used.get(attempt.exam_id, 0) + 1
        if attempt.status == "in_progress":
            open_ids[attempt.exam_id] = attempt.id
        else:
            submitted.setdefault(attempt.exam_id, []).append(attempt)
    out = []
    for exam in exams:
        row = {key: getattr(exam, key) for key in ("id", "title", "subject", "grade", "mode", "duration_minutes",
                                                   "opens_at", "closes_at", "max_attempts", "review")}
        mine = []
        for attempt in submitted.get(exam.id, []):
            # The score shows only where the review policy shows it (after_close hides it until the close).
            level = review_level(student, attempt, exam, now)
            shows_score = at_least(level, SCORE) and attempt.status == "graded"
            mine.append({"id": attempt.id, "number": attempt.number, "status": attempt.status,
                         "submitted_at": attempt.submitted_at, "review": level,
                         "score_10": attempt.score_10 if shows_score else None})
        row.update(attempts_used=used.get(exam.id, 0), open_attempt_id=open_ids.get(exam.id), attempts=mine,
                   last_attempt=mine[-1] if mine else None, scores_released=exam.scores_released_at is not None)
        out.append(row)
    return out
