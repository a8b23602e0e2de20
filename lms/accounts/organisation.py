"""Editing the organisation: schools, classes, their teachers and students (the admin console and the API)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.core.db import db
from lms.core.errors import Conflict, NotFound
from lms.core.permissions import TEACHER

from .models import Enrolment, School, SchoolClass, TeachingAssignment, User
from .services import _require_member


def update_school(actor: User | None, school: School, *, name: str | None = None, code: str | None = None) -> School:
    if code is not None and code != school.code:
        if db.session.scalar(select(School.id).where(School.code == code)):
            raise Conflict(f"Mã trường {code!r} đã tồn tại.")
        school.code = code
    if name is not None:
        school.name = name
    db.session.flush()
    return school


def update_class(actor: User, klass: SchoolClass, *, name: str | None = None, grade: int | None = None,
                 school_year: str | None = None, homeroom_teacher_id: int | None | object = ...) -> SchoolClass:
    """Rename, regrade or move a class to another school year, or change its homeroom teacher (None clears)."""
    new_name = name if name is not None else klass.name
    new_year = school_year if school_year is not None else klass.school_year
    if (new_name, new_year) != (klass.name, klass.school_year) and db.session.scalar(select(SchoolClass.id).where(
            SchoolClass.school_id == klass.school_id, SchoolClass.school_year == new_year,
            SchoolClass.name == new_name, SchoolClass.id != klass.id)):
        raise Conflict(f"Lớp {new_name} năm học {new_year} đã tồn tại.")
    klass.name, klass.school_year = new_name, new_year
    if grade is not None:
        klass.grade = grade
    if homeroom_teacher_id is not ...:
        if homeroom_teacher_id is not None:
            _require_member(homeroom_teacher_id, TEACHER, klass.school_id, "homeroom_teacher_id")
        klass.homeroom_teacher_id = homeroom_teacher_id
    db.session.flush()
    return klass


def unassign_teacher(actor: User, klass: SchoolClass, teacher_id: int, subject_code: str) -> None:
    assignment = db.session.get(TeachingAssignment, (klass.id, teacher_id, subject_code))
    if assignment is None:
        raise NotFound("Không có phân công này.")
    db.session.delete(assignment)
    db.session.flush()


def unenrol_student(actor: User, klass: SchoolClass, student_id: int) -> None:
    enrolment = db.session.get(Enrolment, (klass.id, student_id))
    if enrolment is None:
        raise NotFound("Học sinh không ở trong lớp này.")
    db.session.delete(enrolment)
    db.session.flush()


def class_assignments(klass: SchoolClass) -> list[TeachingAssignment]:
    return list(db.session.scalars(select(TeachingAssignment).options(joinedload(TeachingAssignment.teacher))
                                   .where(TeachingAssignment.class_id == klass.id)
                                   .order_by(TeachingAssignment.subject_code)))

