"""Gradebook identity, lock state and columns (class × subject × semester).

Services take the acting user, raise domain errors, flush and never commit.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core.db import db
from lms.core.errors import Conflict, NotFound, ValidationFailed
from lms.curriculum import api as curriculum

from .. import rules
from ..models import CLASS_SUMMARY, KINDS, GradebookColumn, GradebookLock


_KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}
#: Largest number of columns a gradebook may hold; far above any real timetable, it stops runaway clients.
MAX_COLUMNS_PER_BOOK = 30

#: What a column's cells hold. TT22 (grades 6–12): a 0..10 score with one decimal, or Đ/CĐ for a comment-only
#: subject. TT27 (grades 1–5): whole points 0..10 in a periodic test column, a level T/H/C in the others.
SCORE_VALUE, COMMENT_VALUE, TEST_VALUE, LEVEL_VALUE = "score", "comment", "test", "level"
#: TT27: the columns of a scored primary subject that hold its periodic tests (the others hold levels).
PRIMARY_TEST_KINDS = ("gk", "ck")


def subject_or_404(code: str):
    """The curriculum subject, or a 422 naming the field (an unknown code is bad input, not a missing page)."""
    subject = curriculum.get_subject(code)
    if subject is None:
        raise ValidationFailed("Môn học không tồn tại.", errors={"subject": [f"Không có môn học mã “{code}”."]})
    return subject


def required_tx(subject, grade: int) -> int | None:
    """How many ĐĐGtx a semester needs for this subject in this grade (None if the grade has no periods, or is a
    primary grade: TT27 sets no count of regular assessments)."""
    if rules.is_primary_grade(grade):
        return None
    periods = subject.periods_for(grade)
    return rules.regular_assessment_count(periods) if periods else None


def value_kind(subject, grade: int, column_kind: str) -> str:
    """What a column of this kind holds for ``subject`` (curriculum info) in a class of ``grade``."""
    comment_subject = rules.is_comment_subject(subject.graded_by)
    if rules.is_primary_grade(grade):
        return TEST_VALUE if not comment_subject and column_kind in PRIMARY_TEST_KINDS else LEVEL_VALUE
    return COMMENT_VALUE if comment_subject else SCORE_VALUE


def column_value_kind(column: GradebookColumn) -> str:
    """``value_kind`` of a stored column (its class gives the grade)."""
    klass = accounts.get_class(column.class_id)
    return value_kind(subject_or_404(column.subject_code), klass.grade, column.kind)


def book_columns(class_id: int, subject: str, semester: int) -> list[GradebookColumn]:
    """The columns of one gradebook in display order: tx…, gk, ck, each by position."""
    columns = db.session.scalars(select(GradebookColumn).where(
        GradebookColumn.class_id == class_id, GradebookColumn.subject_code == subject,
        GradebookColumn.semester == semester)).all()
    return sorted(columns, key=lambda c: (_KIND_ORDER.get(c.kind, 9), c.position, c.id))


def get_lock(class_id: int, subject: str, semester: int) -> GradebookLock | None:
    return db.session.get(GradebookLock, (class_id, subject, semester))


def _locked(class_id: int, semester: int, *books: str) -> bool:
    """Whether any of ``books`` (subject codes, or CLASS_SUMMARY) of the class's semester is signed: one query,
    since every exam submit asks it for the subject and the summary together."""
    return db.session.scalar(select(GradebookLock.class_id).where(
        GradebookLock.class_id == class_id, GradebookLock.semester == semester,
        GradebookLock.subject_code.in_(books), GradebookLock.locked.is_(True)).limit(1)) is not None


def is_summary_locked(class_id: int, semester: int) -> bool:
    """True while the class's semester summary is signed (every subject of the class is then locked too)."""
    return _locked(class_id, semester, CLASS_SUMMARY)


def is_locked(class_id: int, subject: str, semester: int) -> bool:
    """True while the gradebook, or the class summary that includes it, is signed (no entry until unlocked)."""
    return _locked(class_id, semester, subject, CLASS_SUMMARY)


def ensure_unlocked(class_id: int, subject: str, semester: int, *, summary: bool = True) -> None:
    """Conflict while the gradebook is signed; with ``summary`` also while the class summary is signed."""
    if _locked(class_id, semester, subject):
        raise Conflict("Sổ điểm đã khóa sau khi ký số; cần mở khóa (có lý do) trước khi sửa.")
    if summary and is_summary_locked(class_id, semester):
        raise Conflict("Bảng tổng hợp kết quả học kì của lớp đã được ký số; cần mở khóa bảng tổng hợp (có lý do) "
                       "trước khi sửa.")


def create_column(user, klass, subject: str, semester: int, kind: str, title: str, *, source: str = "manual",
                  exam_id: int | None = None, check_limits: bool = True) -> GradebookColumn:
    """Add a column to a gradebook. Manual columns respect the TT22 counts (tx by periods, one gk, one ck)."""
    info = subject_or_404(subject)
    existing = book_columns(klass.id, subject, semester)
    if check_limits:
        ensure_unlocked(klass.id, subject, semester)
        same_kind = [c for c in existing if c.kind == kind]
        limit = required_tx(info, klass.grade) if kind == "tx" else 1
        if (kind == "gk" and rules.is_primary_grade(klass.grade) and rules.is_scored_subject(info.graded_by)
                and not rules.has_midterm_test(klass.grade, subject)):
            raise ValidationFailed("Không có bài kiểm tra giữa kì theo Thông tư 27.", errors={
                "kind": [f"Môn {info.name} lớp {klass.grade} không có bài kiểm tra định kì giữa học kì "
                         "(chỉ lớp 4, 5 môn Tiếng Việt và Toán)."]})
        if limit is not None and len(same_kind) >= limit:
            label = {"tx": "ĐĐGtx", "gk": "ĐĐGgk", "ck": "ĐĐGck"}[kind]
            circular = "27" if rules.is_primary_grade(klass.grade) else "22"
            raise ValidationFailed(f"Đã đủ số cột theo Thông tư {circular}.", errors={
                "kind": [f"Môn {info.name} lớp {klass.grade} chỉ có {limit} cột {label} mỗi học kì."]})
        if len(existing) >= MAX_COLUMNS_PER_BOOK:
            raise ValidationFailed(errors={"kind": ["Sổ điểm đã có quá nhiều cột."]})
    position = 1 + max((c.position for c in existing if c.kind == kind), default=0)
    column = GradebookColumn(class_id=klass.id, subject_code=subject, semester=semester,
                             school_year=klass.school_year, kind=kind, title=title.strip(), source=source,
                             exam_id=exam_id, position=position, released=False)
    db.session.add(column)
    db.session.flush()
    return column


def get_column(column_id: int) -> GradebookColumn:
    column = db.session.get(GradebookColumn, column_id)
    if column is None:
        raise NotFound("Không tìm thấy cột điểm.")
    return column


def update_column(user, column: GradebookColumn, *, title: str | None = None, released: bool | None = None):
    """Rename or release a column. Releasing shows it to students; it is not a score change."""
    if title is not None:
        ensure_unlocked(column.class_id, column.subject_code, column.semester)
        column.title = title.strip()
    newly_released = released is True and not column.released
    if released is not None:
        column.released = released
    db.session.flush()
    if newly_released:
        from ..signals import column_released

        column_released.send(column, column_id=column.id, class_id=column.class_id, subject=column.subject_code,
                             semester=column.semester, title=column.title)
    return column
