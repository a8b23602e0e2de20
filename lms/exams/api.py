"""What other packages (the gradebook) may ask of exams. Plain dicts, no models."""
from __future__ import annotations

from lms.core.db import db

from .grading import counted_attempt
from .models import Exam


def exam_info(exam_id: int) -> dict | None:
    """``{id, title, subject, grade, class_ids, owner_id, school_year, gradebook: {column_kind, semester}|None,
    counted, mode, closes_at}`` of an exam, or None if it does not exist."""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        return None
    return {"id": exam.id, "title": exam.title, "subject": exam.subject, "grade": exam.grade,
            "class_ids": exam.class_ids, "owner_id": exam.owner_id, "school_year": exam.school_year,
            "gradebook": ({"column_kind": exam.gradebook_kind, "semester": exam.gradebook_semester}
                          if exam.gradebook_kind else None),
            "counted": exam.counted, "mode": exam.mode, "closes_at": exam.closes_at}


def counted_result(exam_id: int, student_id: int) -> dict | None:
    """The student's counted attempt under the exam's policy (best/last/first fully graded attempt):
    ``{attempt_id, score, max_score, score_10, counted, started_at, submitted_at}``, or None if there is none."""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        return None
    attempt = counted_attempt(exam, student_id)
    if attempt is None:
        return None
    return {"attempt_id": attempt.id, "score": attempt.score, "max_score": attempt.max_score,
            "score_10": attempt.score_10, "counted": exam.counted, "started_at": attempt.started_at,
            "submitted_at": attempt.submitted_at}
