"""What other packages may ask of the gradebook. Read-only; returns plain values."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from lms.core.db import db

from . import services
from .models import GradebookColumn, Score
# A signature timestamp is reported in one shape wherever a signature is verified (the học bạ too).
from .schemas import SignatureTimestampOut  # noqa: F401


def exam_column_ids(exam_id: int) -> list[int]:
    """Ids of the gradebook columns an exam feeds (one per assigned class)."""
    return list(db.session.scalars(select(GradebookColumn.id).where(GradebookColumn.exam_id == exam_id)))


def posted_score(exam_id: int, student_id: int) -> Decimal | None:
    """The value shown in the student's gradebook for this exam (a teacher's override included), or None."""
    value = db.session.scalar(select(Score.value).join(GradebookColumn, GradebookColumn.id == Score.column_id)
                              .where(GradebookColumn.exam_id == exam_id, Score.student_id == student_id).limit(1))
    return Decimal(value) if value is not None else None


def is_locked(class_id: int, subject: str, semester: int) -> bool:
    """True while that gradebook is signed and locked."""
    return services.is_locked(class_id, subject, semester)


def student_year(viewer, student_id: int, school_year: str | None = None) -> dict:
    """A student's year exactly as ``viewer`` may see it (the "Điểm của tôi" data for the student and their
    parents: released columns only); raises NotFound when the viewer may not see the student."""
    from . import permissions

    level = permissions.ensure_student_visible(viewer, student_id)
    return services.student_year(viewer, student_id, level, school_year)


def transcript_vocabulary() -> dict:
    """The rules' words a học bạ prints: ``conduct`` (TT22 level code -> label, best first), ``primary_levels``
    (T/H/C -> label), ``quality_levels`` (T/Đ/C -> label) and ``quality_groups`` ([(heading, [(code, name)])],
    in the TT27 template's order)."""
    from . import rules

    return {
        "conduct": {level.value: level.label for level in rules.Level},
        "primary_levels": {level.value: level.label for level in rules.PrimaryLevel},
        "quality_levels": {level.value: level.label for level in rules.QualityLevel},
        "quality_groups": [(heading, [(code, rules.PRIMARY_QUALITIES[code]) for code in codes])
                           for heading, codes in rules.PRIMARY_QUALITY_GROUPS],
    }
