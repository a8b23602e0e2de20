"""Score entry: parsing a submitted cell, the one write path (``_apply``), remarks and the change log.

Every score change goes through ``_apply`` so the change log and the delivery outbox cannot be skipped.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core.db import db, utcnow
from lms.core.errors import ValidationFailed

from .. import delivery, rules
from ..models import GradebookColumn, Score, ScoreChange, StudentComment
from .columns import (
    COMMENT_VALUE, LEVEL_VALUE, TEST_VALUE, column_value_kind, ensure_unlocked,
)


def display(score: Score | None, kind: str | None = None) -> str | None:
    """The API/export form of a stored value: "8.3", "Đ", "CĐ", a primary level "T"/"H"/"C", or None.

    A primary periodic test (``kind`` TEST_VALUE) shows whole points ("7"), as it is typed and re-imported.
    """
    if score is None:
        return None
    if score.comment is not None:
        return score.comment
    if score.value is not None:
        if kind == TEST_VALUE:
            return str(int(Decimal(score.value)))
        return str(Decimal(score.value).quantize(rules.SCORE_QUANTUM))
    return None


def _to_text(raw) -> object:
    # JSON numbers arrive as float; repr() is the shortest text that reads back as the same float, i.e. what
    # the client typed ("8.25"), so Decimal sees the decimal value and 8,25 still rounds to 8,3.
    if isinstance(raw, float):
        return repr(raw)
    return raw


@dataclass
class Entry:
    """A parsed value for one cell: a Decimal score or a comment code, plus flags."""

    value: Decimal | None = None
    comment: str | None = None
    absent: bool = False
    make_up: bool = False
    zero_no_makeup: bool = False

    @property
    def empty(self) -> bool:
        return self.value is None and self.comment is None


def parse_entry(raw, kind: str) -> Entry:
    """Parse one submitted cell (a value, or ``{value, absent, make_up, zero_no_makeup}``) of a column holding
    ``kind`` values (``columns.value_kind``).

    Raises ``rules.GradebookRuleError`` with a Vietnamese message for anything the regulation forbids.
    """
    flags = {}
    if isinstance(raw, dict):
        unknown = set(raw) - {"value", "absent", "make_up", "zero_no_makeup"}
        if unknown:
            raise rules.GradebookRuleError("Trường không hợp lệ: " + ", ".join(sorted(unknown)))
        flags = {k: raw.get(k, False) for k in ("absent", "make_up", "zero_no_makeup")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise rules.GradebookRuleError("absent, make_up, zero_no_makeup phải là true/false.")
        raw = raw.get("value")
    entry = Entry(**flags)
    if sum((entry.absent, entry.make_up, entry.zero_no_makeup)) > 1:
        raise rules.GradebookRuleError("Chỉ chọn một trong: vắng, kiểm tra bù, không kiểm tra bù.")
    if entry.zero_no_makeup:
        # TT22: a student who does not sit the make-up assessment gets 0 (or Chưa đạt).
        if kind == LEVEL_VALUE:
            raise rules.GradebookRuleError("Cột mức đạt được (T/H/C) không dùng “không kiểm tra bù”.")
        if kind == COMMENT_VALUE:
            entry.comment = rules.COMMENT_FAILED_CODE
        elif kind == TEST_VALUE:
            entry.value = Decimal(0)
        else:
            entry.value = Decimal(0).quantize(rules.SCORE_QUANTUM)
        return entry
    if isinstance(raw, str) and not raw.strip():
        raw = None
    if raw is not None:
        if kind == COMMENT_VALUE:
            if not isinstance(raw, str):
                raise rules.InvalidComment("Môn đánh giá bằng nhận xét chỉ nhận “Đ” hoặc “CĐ”.")
            entry.comment = rules.comment_code(rules.record_comment(raw))
        elif kind == LEVEL_VALUE:
            if not isinstance(raw, str):
                raise rules.InvalidComment("Cột nhận xét ở tiểu học chỉ nhận mức T, H hoặc C.")
            entry.comment = rules.record_primary_level(raw).value
        elif kind == TEST_VALUE:
            # A JSON 7.0 is the whole number 7; 7.5 still fails as a fraction (TT27: whole points only).
            number = Decimal(repr(raw)) if isinstance(raw, float) else raw
            entry.value = Decimal(rules.record_primary_test_score(number))
        else:
            entry.value = rules.record_score(_to_text(raw))
    if entry.absent and not entry.empty:
        raise rules.GradebookRuleError("Học sinh vắng thì chưa có điểm; bỏ trống điểm hoặc bỏ đánh dấu vắng.")
    if entry.make_up and entry.empty:
        raise rules.GradebookRuleError("Kiểm tra bù cần có điểm.")
    return entry


#: ``_apply``'s default for ``score``: read the cell (None is a valid "no cell yet").
_READ = object()


def _apply(column: GradebookColumn, student_id: int, entry: Entry, *, source: str, actor_id: int | None,
           key: str | None = None, attempt_id: int | None = None, override: bool | None = None,
           reason: str | None = None, kind: str | None = None, score=_READ,
           exam_value: Decimal | None = None) -> ScoreChange | None:
    """Write one cell, log the change and queue its delivery. Returns None when nothing changed.

    A caller that has just read the cell (``score``, None for none) and the column's ``kind`` passes them, so an
    exam submit does not read them again; ``exam_value`` is stored with the cell (what an exam fed it)."""
    if score is _READ:
        score = db.session.scalar(select(Score).where(Score.column_id == column.id, Score.student_id == student_id))
    kind = kind or column_value_kind(column)
    old = display(score, kind)
    old_flags = (score.absent, score.make_up, score.zero_no_makeup) if score else (False, False, False)
    new_flags = (entry.absent, entry.make_up, entry.zero_no_makeup)
    if score is None:
        if entry.empty and not any(new_flags):
            return None  # clearing a cell that was never filled
        score = Score(column_id=column.id, student_id=student_id, manual_override=False)
        db.session.add(score)
    score.value, score.comment = entry.value, entry.comment
    score.absent, score.make_up, score.zero_no_makeup = new_flags
    if override is not None:
        score.manual_override = override
    if attempt_id is not None:
        score.attempt_id = attempt_id
    if exam_value is not None:
        score.exam_value = exam_value
    new = display(score, kind)
    if old == new and old_flags == new_flags:
        return None
    score.source = source
    score.updated_at = utcnow()
    score.updated_by = actor_id
    change = ScoreChange(class_id=column.class_id, subject_code=column.subject_code, semester=column.semester,
                         kind="score", column_id=column.id, student_id=student_id, old_value=old, new_value=new,
                         source=source, reason=reason, changed_by=actor_id, changed_at=score.updated_at,
                         idempotency_key=key or f"score:{column.id}:{student_id}:{uuid.uuid4().hex}")
    db.session.add(change)
    db.session.flush()
    delivery.record_score_change(change, column)
    return change


def set_scores(user, column: GradebookColumn, scores: dict) -> list[ScoreChange]:
    """Enter a column's values for several students (PUT semantics per student; ``None`` clears).

    Every value is checked first and nothing is written if any is wrong (422 naming each student).
    A value typed into an exam column becomes a manual override that later exam results do not replace.
    """
    ensure_unlocked(column.class_id, column.subject_code, column.semester)
    kind = column_value_kind(column)
    enrolled = set(accounts.class_student_ids(column.class_id))
    parsed, errors = {}, {}
    for raw_id, raw in scores.items():
        try:
            student_id = int(raw_id)
        except (TypeError, ValueError):
            errors[str(raw_id)] = ["Mã học sinh không hợp lệ."]
            continue
        if student_id not in enrolled:
            errors[str(raw_id)] = ["Học sinh không thuộc lớp này."]
            continue
        try:
            parsed[student_id] = parse_entry(raw, kind)
        except rules.GradebookRuleError as exc:
            errors[str(raw_id)] = [str(exc)]
    if errors:
        raise ValidationFailed("Một số điểm không hợp lệ.", errors={"scores": errors})
    changes = []
    for student_id, entry in parsed.items():
        change = _apply(column, student_id, entry, source="manual", actor_id=user.id,
                        override=True if column.source == "exam" or column.lecture_id is not None else None)
        if change:
            changes.append(change)
    return changes


def set_comments(user, klass, subject: str, semester: int, comments: dict) -> None:
    """Save the teacher's written remarks (nhận xét) per student; an empty text removes one."""
    ensure_unlocked(klass.id, subject, semester)
    enrolled = set(accounts.class_student_ids(klass.id))
    bad = {str(sid): ["Học sinh không thuộc lớp này."] for sid in comments if sid not in enrolled}
    if bad:
        raise ValidationFailed(errors={"comments": bad})
    for student_id, text in comments.items():
        row = db.session.scalar(select(StudentComment).where(
            StudentComment.class_id == klass.id, StudentComment.subject_code == subject,
            StudentComment.semester == semester, StudentComment.student_id == student_id))
        text = (text or "").strip()
        if not text:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = StudentComment(class_id=klass.id, subject_code=subject, semester=semester, student_id=student_id)
            db.session.add(row)
        row.text, row.updated_by, row.updated_at = text, user.id, utcnow()
    db.session.flush()


def change_log(class_id: int, subject: str, semester: int):
    """The select statement of a gradebook's change log, newest first (paginated by the route)."""
    return (select(ScoreChange).where(ScoreChange.class_id == class_id, ScoreChange.subject_code == subject,
                                      ScoreChange.semester == semester)
            .order_by(ScoreChange.changed_at.desc(), ScoreChange.id.desc()))
