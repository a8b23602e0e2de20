"""Primary students' qualities and competences (phẩm chất, năng lực; Thông tư 27/2020), set by the homeroom
teacher at the end of the year and used in the primary year result."""
from __future__ import annotations

from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core.db import db, utcnow
from lms.core.errors import ValidationFailed

from .. import rules
from ..models import QualityAssessment


def qualities_of(class_id: int, student_ids: list[int] | None = None) -> dict[int, dict[str, str]]:
    """``{student_id: {quality code: "T"|"Đ"|"C"}}`` for the class (students without a row are left out)."""
    stmt = select(QualityAssessment).where(QualityAssessment.class_id == class_id)
    if student_ids is not None:
        stmt = stmt.where(QualityAssessment.student_id.in_(student_ids or [-1]))
    return {row.student_id: dict(row.levels or {}) for row in db.session.scalars(stmt)}


def set_qualities(user, klass, qualities: dict) -> dict[int, dict[str, str]]:
    """Merge ``{student_id: {quality code: level or None}}`` into the class's records (None clears one code).

    Only primary classes have them; every value is checked first and nothing is written if any is wrong.
    """
    if not rules.is_primary_grade(klass.grade):
        raise ValidationFailed("Chỉ lớp tiểu học (lớp 1–5) được đánh giá phẩm chất, năng lực theo Thông tư 27.",
                               errors={"class_id": ["Lớp không phải lớp tiểu học."]})
    enrolled = set(accounts.class_student_ids(klass.id))
    parsed, errors = {}, {}
    for student_id, levels in qualities.items():
        if student_id not in enrolled:
            errors[str(student_id)] = ["Học sinh không thuộc lớp này."]
            continue
        unknown = sorted(set(levels) - set(rules.PRIMARY_QUALITIES))
        if unknown:
            errors[str(student_id)] = ["Không có phẩm chất, năng lực: " + ", ".join(unknown)]
            continue
        try:
            parsed[student_id] = {code: None if value is None else rules.record_quality_level(value).value
                                  for code, value in levels.items()}
        except rules.GradebookRuleError as exc:
            errors[str(student_id)] = [str(exc)]
    if errors:
        raise ValidationFailed("Một số mức đánh giá không hợp lệ.", errors={"qualities": errors})
    for student_id, levels in parsed.items():
        row = db.session.scalar(select(QualityAssessment).where(QualityAssessment.class_id == klass.id,
                                                                QualityAssessment.student_id == student_id))
        if row is None:
            row = QualityAssessment(class_id=klass.id, student_id=student_id, levels={})
            db.session.add(row)
        merged = {**(row.levels or {}), **levels}
        row.levels = {code: value for code, value in merged.items() if value is not None}
        row.updated_by, row.updated_at = user.id, utcnow()
    db.session.flush()
    return qualities_of(klass.id)


def primary_result(levels: dict[str, str | None], tests: dict[str, str | None],
                   qualities: dict[str, str]) -> tuple[dict | None, list[str]]:
    """The TT27 year result ``({level, label}, [])`` from each subject's year level (T/H/C), the end-of-year
    test of each subject that has one, and the quality levels; ``(None, missing)`` while anything is missing."""
    if not levels:
        return None, []
    try:
        result = rules.primary_year_result(
            {code: None if value is None else rules.PrimaryLevel(value) for code, value in levels.items()},
            {code: None if value is None else int(value) for code, value in tests.items()},
            [None if qualities.get(code) is None else rules.QualityLevel(qualities[code])
             for code in rules.PRIMARY_QUALITIES])
    except rules.IncompleteResults as exc:
        return None, exc.subjects
    return {"level": result.value, "label": result.label}, []
