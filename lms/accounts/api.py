"""What other packages may ask of accounts. Read-only lookups; returns ids and plain values."""
from __future__ import annotations

from sqlalchemy import select

from lms.core.db import db

from .models import Enrolment, SchoolClass, TeachingAssignment, User


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def get_class(class_id: int) -> SchoolClass | None:
    return db.session.get(SchoolClass, class_id)


def student_class_ids(student_id: int) -> set[int]:
    return set(db.session.scalars(select(Enrolment.class_id).where(Enrolment.student_id == student_id)))


def class_student_ids(class_id: int) -> list[int]:
    return list(db.session.scalars(select(Enrolment.student_id).where(Enrolment.class_id == class_id)))


def class_students(class_id: int) -> list[User]:
    """Students of a class ordered the way a Vietnamese class list is: by given name, then full name."""
    users = db.session.scalars(select(User).join(Enrolment, Enrolment.student_id == User.id)
                               .where(Enrolment.class_id == class_id)).all()
    return sorted(users, key=lambda u: (u.full_name.split()[-1] if u.full_name else "", u.full_name, u.id))


def taught_class_ids(teacher_id: int, subject_code: str | None = None) -> set[int]:
    stmt = select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == teacher_id)
    if subject_code:
        stmt = stmt.where(TeachingAssignment.subject_code == subject_code)
    taught = set(db.session.scalars(stmt))
    homeroom = set(db.session.scalars(select(SchoolClass.id).where(SchoolClass.homeroom_teacher_id == teacher_id)))
    return taught | homeroom if subject_code is None else taught


def teaches(teacher_id: int, class_id: int, subject_code: str | None = None) -> bool:
    stmt = select(TeachingAssignment.class_id).where(TeachingAssignment.teacher_id == teacher_id,
                                                    TeachingAssignment.class_id == class_id)
    if subject_code:
        stmt = stmt.where(TeachingAssignment.subject_code == subject_code)
    return db.session.scalar(stmt.limit(1)) is not None


def is_homeroom(teacher_id: int, class_id: int) -> bool:
    klass = db.session.get(SchoolClass, class_id)
    return klass is not None and klass.homeroom_teacher_id == teacher_id


def teachers_of_student(student_id: int) -> set[int]:
    class_ids = student_class_ids(student_id)
    if not class_ids:
        return set()
    ids = set(db.session.scalars(select(TeachingAssignment.teacher_id).where(TeachingAssignment.class_id.in_(class_ids))))
    ids |= {t for t in db.session.scalars(select(SchoolClass.homeroom_teacher_id).where(SchoolClass.id.in_(class_ids))) if t}
    return ids


def teaching_assignments(teacher_id: int) -> list[tuple[int, str]]:
    """Every (class_id, subject_code) the teacher is assigned to teach, ordered by class then subject.

    Homeroom classes are not included (``taught_class_ids`` adds them): being homeroom teacher gives no
    subject of its own.
    """
    rows = db.session.execute(select(TeachingAssignment.class_id, TeachingAssignment.subject_code)
                              .where(TeachingAssignment.teacher_id == teacher_id)
                              .order_by(TeachingAssignment.class_id, TeachingAssignment.subject_code))
    return [(class_id, subject_code) for class_id, subject_code in rows]


def all_class_ids(school_id: int | None = None) -> list[int]:
    """Ids of every class, or of one school's classes, newest school year first, then by name."""
    stmt = select(SchoolClass.id).order_by(SchoolClass.school_year.desc(), SchoolClass.name, SchoolClass.id)
    if school_id is not None:
        stmt = stmt.where(SchoolClass.school_id == school_id)
    return list(db.session.scalars(stmt))
