"""A lecture's interactive package counted into a gradebook column, like an exam (called by routes and handlers).

The teacher picks one existing column of a class's book for a package of a lecture; from then on each student's
best package score (0..10, one decimal) is posted into it through the exam path (``post_fed_value``): exactly
once per score, in the transaction that recorded it, a manual override winning, a signed book untouched. A mark
the teacher had already entered in the picked column counts as such an override. Only
an existing column can be picked, so the Thông tư 22/27 counts of columns are never changed by a package.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core.db import db
from lms.core.errors import NotFound, ValidationFailed
from lms.lectures import api as lectures

from .. import rules
from ..models import GradebookColumn, Score, ScoreChange
from .columns import COMMENT_VALUE, LEVEL_VALUE, column_value_kind, ensure_unlocked
from .exam_results import post_fed_value


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"media_id": [message]})


def link_package(user, column: GradebookColumn, lecture_id: int, media_id: int) -> list[ScoreChange]:
    """Make ``column`` count the package ``media_id`` of lecture ``lecture_id``; post the scores already earned.

    422 when the package is not one of the lecture's (or the lecture is hidden from ``user``: NotFound), when
    the column belongs to an exam or another package, is of another subject than the lecture, or takes no
    0..10 score (comment-only subjects, primary level columns); 409 when the book is signed.
    """
    package = lectures.package_of(user, lecture_id, media_id)
    if package is None:
        raise NotFound("Không tìm thấy gói tương tác này trong bài giảng.")
    if column.exam_id is not None:
        raise _refuse(f"Cột “{column.title}” đang nhận điểm từ bài kiểm tra.")
    if column.lecture_id is not None and (column.lecture_id, column.package_media_id) != (lecture_id, media_id):
        raise _refuse(f"Cột “{column.title}” đang nhận điểm từ một gói tương tác khác.")
    if package["subject"] != column.subject_code:
        raise _refuse("Bài giảng thuộc môn khác với cột điểm đã chọn.")
    if column_value_kind(column) in (COMMENT_VALUE, LEVEL_VALUE):
        raise _refuse("Cột điểm này đánh giá bằng nhận xét, không nhận điểm số của gói tương tác.")
    taken = db.session.scalar(select(GradebookColumn.id).where(
        GradebookColumn.class_id == column.class_id, GradebookColumn.lecture_id == lecture_id,
        GradebookColumn.package_media_id == media_id, GradebookColumn.id != column.id))
    if taken is not None:
        raise _refuse("Gói tương tác này đã được tính vào một cột khác của lớp.")
    ensure_unlocked(column.class_id, column.subject_code, column.semester)
    column.lecture_id, column.package_media_id = lecture_id, media_id
    db.session.flush()
    students = [s.id for s in accounts.class_students(column.class_id)]
    changes = []
    for student_id, value in sorted(lectures.package_best_scores(lecture_id, media_id, students).items()):
        change = _post(column, student_id, value, lecture_id, media_id)
        if change:
            changes.append(change)
    db.session.flush()
    return changes


def unlink_package(user, column: GradebookColumn) -> None:
    """The column stops counting its package; scores already posted stay (they are the teacher's book now)."""
    ensure_unlocked(column.class_id, column.subject_code, column.semester)
    column.lecture_id = column.package_media_id = None
    db.session.flush()


def post_package_score(lecture_id: int, media_id: int, student_id: int, score_10) -> list[ScoreChange]:
    """Post a student's new best package score into the columns counting it in the student's classes."""
    value = rules.record_score(score_10 if isinstance(score_10, Decimal) else str(score_10))
    class_ids = accounts.student_class_ids(student_id)
    columns = db.session.scalars(select(GradebookColumn).where(
        GradebookColumn.lecture_id == lecture_id, GradebookColumn.package_media_id == media_id,
        GradebookColumn.class_id.in_(class_ids or {-1}))).all()
    changes = [c for c in (_post(column, student_id, value, lecture_id, media_id) for column in columns) if c]
    db.session.flush()
    return changes


def _post(column: GradebookColumn, student_id: int, value: Decimal, lecture_id: int, media_id: int):
    value = Decimal(value).quantize(rules.SCORE_QUANTUM)
    score = db.session.scalar(select(Score).where(Score.column_id == column.id, Score.student_id == student_id))
    if score is not None and score.source in ("manual", "import") and score.value is not None:
        # The teacher picked a column that already holds their marks: a mark they entered stays, as if typed
        # over the package score.
        score.manual_override = True
    key = f"package:{lecture_id}:{media_id}:score:{value}:column:{column.id}:student:{student_id}"
    return post_fed_value(column, student_id, value, source="package", key=key, reason="package score",
                          what=f"lecture {lecture_id} package {media_id}")
