"""Exam results into the gradebook (called by handlers.py, inside the exam's transaction)."""
from __future__ import annotations

import uuid
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from lms.accounts import api as accounts
from lms.core.db import db, utcnow
from lms.curriculum import api as curriculum

from .. import rules
from ..models import KINDS, ExamResult, GradebookColumn, Score, ScoreChange
from .columns import (
    COMMENT_VALUE, LEVEL_VALUE, TEST_VALUE, book_columns, column_value_kind, create_column, is_locked,
)
from .scores import Entry, _apply


# --------------------------------------------------------------------------------------------------
# Exams (called by handlers.py, inside the exam's transaction)
# --------------------------------------------------------------------------------------------------


def sync_exam_columns(exam_id: int, title: str, subject: str, class_ids: list[int], gradebook: dict | None,
                      school_year: str | None) -> list[GradebookColumn]:
    """Create or update the exam's column in each assigned class; drop empty columns no longer wanted.

    A column that already holds scores is kept (and stays an exam column) even when the exam stops
    feeding it, because deleting entered marks behind a teacher's back is worse than an extra column.
    """
    wanted = set(class_ids or []) if gradebook else set()
    existing = {c.class_id: c for c in db.session.scalars(
        select(GradebookColumn).where(GradebookColumn.exam_id == exam_id))}
    for class_id, column in existing.items():
        if class_id not in wanted:
            has_scores = db.session.scalar(select(func.count(Score.id)).where(Score.column_id == column.id))
            if not has_scores:
                db.session.delete(column)
    kept = []
    if not gradebook:
        db.session.flush()
        return kept
    kind, semester = gradebook.get("column_kind"), int(gradebook.get("semester") or 0)
    if kind not in KINDS or semester not in (1, 2) or curriculum.get_subject(subject) is None:
        current_app.logger.warning("exam %s: gradebook link %r ignored (bad kind/semester/subject)", exam_id, gradebook)
        db.session.flush()
        return kept
    for class_id in sorted(wanted):
        klass = accounts.get_class(class_id)
        if klass is None or school_year and klass.school_year != school_year:
            continue
        column = existing.get(class_id)
        if column is None:
            column = create_column(None, klass, subject, semester, kind, title, source="exam", exam_id=exam_id,
                                   check_limits=False)
        else:
            moved = (column.subject_code, column.semester, column.kind) != (subject, semester, kind)
            if moved:
                column.position = 1 + max((c.position for c in book_columns(class_id, subject, semester)
                                           if c.kind == kind and c.id != column.id), default=0)
            column.subject_code, column.semester, column.kind, column.title = subject, semester, kind, title
        kept.append(column)
    db.session.flush()
    return kept


def record_exam_result(*, attempt_id: int, exam_id: int, student_id: int, score_10, reason: str, started_at,
                       counted: str = "best") -> ExamResult:
    """Store (or update, on a repeated or regraded signal) the result of one attempt."""
    value = rules.record_score(score_10 if not isinstance(score_10, float) else repr(score_10))
    if started_at is not None and started_at.tzinfo is None:
        from datetime import timezone

        started_at = started_at.replace(tzinfo=timezone.utc)  # the exams package stores UTC
    result = db.session.scalar(select(ExamResult).where(ExamResult.attempt_id == attempt_id))
    if result is None:
        result = ExamResult(attempt_id=attempt_id, exam_id=exam_id, student_id=student_id)
        db.session.add(result)
    if result.score_10 is None or Decimal(result.score_10) != value or result.reason != reason:
        result.graded_at = utcnow()
    result.score_10, result.reason, result.started_at, result.counted = value, reason, started_at, counted
    db.session.flush()
    return result


def counted_result(exam_id: int, student_id: int, counted: str) -> ExamResult | None:
    """The attempt the exam counts: best score (earliest on ties), last started or first started."""
    results = db.session.scalars(select(ExamResult).where(ExamResult.exam_id == exam_id,
                                                          ExamResult.student_id == student_id)).all()
    if not results:
        return None
    start = lambda r: (r.started_at or r.graded_at, r.attempt_id)  # noqa: E731
    if counted == "last":
        return max(results, key=start)
    if counted == "first":
        return min(results, key=start)
    best = max(Decimal(r.score_10) for r in results)
    return min((r for r in results if Decimal(r.score_10) == best), key=start)


def post_exam_score(exam_id: int, student_id: int, counted: str, reason: str) -> list[ScoreChange]:
    """Post the counted attempt's score into the exam's column(s) of the student's class(es).

    A teacher's manual override wins: the exam score is kept alongside (``exam_value``) but not shown.
    A locked (signed) gradebook is not touched; ``unlock`` re-posts afterwards.
    """
    result = counted_result(exam_id, student_id, counted)
    if result is None:
        return []
    class_ids = accounts.student_class_ids(student_id)
    columns = db.session.scalars(select(GradebookColumn).where(
        GradebookColumn.exam_id == exam_id, GradebookColumn.class_id.in_(class_ids or {-1}))).all()
    changes = []
    value = Decimal(result.score_10).quantize(rules.SCORE_QUANTUM)
    source = "regrade" if reason == "regrade" else "exam"
    for column in columns:
        if is_locked(column.class_id, column.subject_code, column.semester):
            current_app.logger.info("exam %s: gradebook column %s is locked; score held", exam_id, column.id)
            continue
        kind = column_value_kind(column)
        if kind in (COMMENT_VALUE, LEVEL_VALUE):
            continue  # a comment-only subject (or a primary level column) has no 0..10 score to receive
        if kind == TEST_VALUE and value != value.to_integral_value():
            # TT27 tests are whole points; rounding an exam's 8,4 is the teacher's call, not ours.
            current_app.logger.info("exam %s: %s is not a whole primary test score; column %s left for the "
                                    "teacher", exam_id, value, column.id)
            continue
        score = db.session.scalar(select(Score).where(Score.column_id == column.id, Score.student_id == student_id))
        if score is not None and score.manual_override:
            score.exam_value = value
            continue
        key = f"exam:{exam_id}:attempt:{result.attempt_id}:score:{value}:column:{column.id}:student:{student_id}"
        if db.session.scalar(select(ScoreChange.id).where(ScoreChange.idempotency_key == key)) is not None:
            # The same attempt+score was posted before and something else was posted since (regrade back).
            key = f"{key}:{uuid.uuid4().hex[:12]}"
        change = _apply(column, student_id, Entry(value=value), source=source, actor_id=None, key=key,
                        attempt_id=result.attempt_id, reason=f"exam {reason}")
        score = db.session.scalar(select(Score).where(Score.column_id == column.id, Score.student_id == student_id))
        score.exam_value = value
        if change:
            changes.append(change)
    db.session.flush()
    return changes


def _repost_exam_columns(class_id: int, subject: str, semester: int) -> None:
    """After an unlock, bring exam columns up to date with results that arrived while locked."""
    for column in book_columns(class_id, subject, semester):
        if column.exam_id is None:
            continue
        latest: dict[int, ExamResult] = {}
        for result in db.session.scalars(select(ExamResult).where(ExamResult.exam_id == column.exam_id)
                                         .order_by(ExamResult.graded_at, ExamResult.id)):
            latest[result.student_id] = result  # the newest signal carries the exam's current counting rule
        for student_id, result in latest.items():
            post_exam_score(column.exam_id, student_id, result.counted, result.reason)
