"""Exam results into the gradebook (called by handlers.py, inside the exam's transaction)."""
from __future__ import annotations

import uuid
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from lms.accounts import api as accounts
from lms.core.db import db, utcnow
from lms.core.errors import ValidationFailed
from lms.curriculum import api as curriculum

from .. import rules
from ..models import KINDS, ExamResult, GradebookColumn, Score, ScoreChange
from .columns import (
    COMMENT_VALUE, LEVEL_VALUE, TEST_VALUE, book_columns, column_value_kind, create_column, ensure_unlocked,
    is_locked, required_tx,
)
from .scores import Entry, _apply


# --------------------------------------------------------------------------------------------------
# Exams (called by handlers.py, inside the exam's transaction)
# --------------------------------------------------------------------------------------------------


def sync_exam_columns(exam_id: int, title: str, subject: str, class_ids: list[int], gradebook: dict | None,
                      school_year: str | None, *, released: bool = False,
                      picked: dict | None = None) -> list[GradebookColumn]:
    """Create or update the exam's column in each assigned class; drop empty columns no longer wanted.

    ``picked`` maps a class id to an existing column of that class's gradebook the teacher chose to fill
    (e.g. "Kiểm tra 15 phút lần 2" already in the book); other classes get a new column. A new column must
    respect the Thông tư 22/27 counts (tx by periods per year, one gk, one ck per semester): breaking them is a
    422 naming the rule, so an exam can no longer slip a fifth ĐĐGtx into a book behind the teacher's back.
    A column that already holds scores is kept (and stays an exam column) even when the exam stops feeding it,
    because deleting entered marks behind a teacher's back is worse than an extra column.
    """
    picked = {int(k): int(v) for k, v in (picked or {}).items() if v}
    wanted = set(class_ids or []) if gradebook else set()
    existing = {c.class_id: c for c in db.session.scalars(
        select(GradebookColumn).where(GradebookColumn.exam_id == exam_id))}
    kind, semester = (gradebook or {}).get("column_kind"), int((gradebook or {}).get("semester") or 0)
    for class_id, column in list(existing.items()):
        moved_away = class_id in picked and picked[class_id] != column.id
        if class_id not in wanted or moved_away:
            has_scores = db.session.scalar(select(func.count(Score.id)).where(Score.column_id == column.id))
            if column.source == "manual" or has_scores:
                column.exam_id = None  # a teacher's own column (or one with marks) goes back to being theirs
            else:
                db.session.delete(column)
            del existing[class_id]
    kept = []
    if not gradebook:
        db.session.flush()
        return kept
    if kind not in KINDS or semester not in (1, 2) or curriculum.get_subject(subject) is None:
        current_app.logger.warning("exam %s: gradebook link %r ignored (bad kind/semester/subject)", exam_id, gradebook)
        db.session.flush()
        return kept
    for class_id in sorted(wanted):
        klass = accounts.get_class(class_id)
        if klass is None or school_year and klass.school_year != school_year:
            continue
        column = existing.get(class_id)
        if column is None and class_id in picked:
            column = _adopt_column(picked[class_id], exam_id, klass, subject, semester, kind)
        elif column is None:
            _check_room(klass, subject, semester, kind, None)
            try:
                column = create_column(None, klass, subject, semester, kind, title, source="exam", exam_id=exam_id)
            except ValidationFailed as exc:  # the TT27 mid-term rule and the like, reported on the exam's field
                messages = [m for ms in (exc.errors or {}).values() for m in ms] or [exc.detail]
                raise ValidationFailed(exc.detail, errors={"gradebook": [f"Lớp {klass.name}: {m}" for m in messages]})
            column.released = bool(released)
        else:
            moved = (column.subject_code, column.semester, column.kind) != (subject, semester, kind)
            if moved:
                _check_room(klass, subject, semester, kind, column.id)
                column.position = 1 + max((c.position for c in book_columns(class_id, subject, semester)
                                           if c.kind == kind and c.id != column.id), default=0)
            column.subject_code, column.semester, column.kind = subject, semester, kind
            if column.source == "exam":
                column.title = title  # a teacher's own column keeps the name they gave it
        if released:
            column.released = True  # withdrawing a release is its own step (release_exam_columns)
        kept.append(column)
    db.session.flush()
    return kept


def _check_room(klass, subject: str, semester: int, kind: str, column_id: int) -> None:
    """A 422 naming the TT22/TT27 rule when ``kind`` has no room left in the book for another column."""
    others = [c for c in book_columns(klass.id, subject, semester) if c.kind == kind and c.id != column_id]
    info = curriculum.get_subject(subject)
    limit = required_tx(info, klass.grade) if kind == "tx" else 1
    if limit is not None and len(others) >= limit:
        label = {"tx": "ĐĐGtx", "gk": "ĐĐGgk", "ck": "ĐĐGck"}[kind]
        circular = "27" if rules.is_primary_grade(klass.grade) else "22"
        raise ValidationFailed(f"Đã đủ số cột theo Thông tư {circular}.", errors={"gradebook": [
            f"Lớp {klass.name}: môn {info.name} chỉ có {limit} cột {label} mỗi học kì (Thông tư {circular}); "
            "hãy chọn một cột có sẵn để điền điểm bài kiểm tra."]})


def _adopt_column(column_id: int, exam_id: int, klass, subject: str, semester: int, kind: str) -> GradebookColumn:
    """The teacher's chosen existing column, checked to be of this class, subject, semester and kind."""
    column = db.session.get(GradebookColumn, column_id)
    if (column is None or column.class_id != klass.id or column.subject_code != subject
            or column.semester != semester or column.kind != kind):
        raise ValidationFailed("Cột điểm đã chọn không thuộc sổ điểm này.", errors={"gradebook": [
            f"Lớp {klass.name}: cột điểm đã chọn không phải cột {kind} học kì {semester} của môn này."]})
    if column.exam_id is not None and column.exam_id != exam_id:
        raise ValidationFailed("Cột điểm đã gắn với bài kiểm tra khác.", errors={"gradebook": [
            f"Lớp {klass.name}: cột “{column.title}” đã nhận điểm từ bài kiểm tra khác."]})
    ensure_unlocked(klass.id, subject, semester)
    column.exam_id = exam_id
    return column


def release_exam_columns(exam_id: int, released: bool) -> list[GradebookColumn]:
    """Công bố điểm: show (or hide) every column the exam feeds to its students."""
    columns = db.session.scalars(select(GradebookColumn).where(GradebookColumn.exam_id == exam_id)).all()
    for column in columns:
        column.released = released
    db.session.flush()
    return list(columns)


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
    value = Decimal(result.score_10).quantize(rules.SCORE_QUANTUM)
    source = "regrade" if reason == "regrade" else "exam"
    changes = []
    for column in columns:
        change = post_fed_value(column, student_id, value, source=source, attempt_id=result.attempt_id,
                                key=f"exam:{exam_id}:attempt:{result.attempt_id}:score:{value}:column:{column.id}"
                                    f":student:{student_id}", reason=f"exam {reason}", what=f"exam {exam_id}")
        if change:
            changes.append(change)
    db.session.flush()
    return changes


def post_fed_value(column: GradebookColumn, student_id: int, value: Decimal, *, source: str, key: str, reason: str,
                   what: str, attempt_id: int | None = None) -> ScoreChange | None:
    """Post a value an exam or a package feeds into ``column`` for one student, exactly once per ``key``.

    A teacher's manual override wins (the fed value is kept in ``exam_value`` but not shown); a locked (signed)
    gradebook is not touched (``unlock`` re-posts exams); a comment-only or primary level column takes no 0..10
    score, and a TT27 test column only whole points. ``what`` names the feeder in the log.
    """
    if is_locked(column.class_id, column.subject_code, column.semester):
        current_app.logger.info("%s: gradebook column %s is locked; score held", what, column.id)
        return None
    kind = column_value_kind(column)
    if kind in (COMMENT_VALUE, LEVEL_VALUE):
        return None  # a comment-only subject (or a primary level column) has no 0..10 score to receive
    if kind == TEST_VALUE and value != value.to_integral_value():
        # TT27 tests are whole points; rounding an exam's 8,4 is the teacher's call, not ours.
        current_app.logger.info("%s: %s is not a whole primary test score; column %s left for the teacher",
                                what, value, column.id)
        return None
    score = db.session.scalar(select(Score).where(Score.column_id == column.id, Score.student_id == student_id))
    if score is not None and score.manual_override:
        score.exam_value = value
        return None
    if db.session.scalar(select(ScoreChange.id).where(ScoreChange.idempotency_key == key)) is not None:
        # The same attempt+score was posted before and something else was posted since (regrade back).
        key = f"{key}:{uuid.uuid4().hex[:12]}"
    # The cell and the kind just read go along: a submit reads neither twice (issue 16).
    return _apply(column, student_id, Entry(value=value), source=source, actor_id=None, key=key,
                  attempt_id=attempt_id, reason=reason, kind=kind, score=score, exam_value=value)


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
