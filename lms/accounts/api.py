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


#: Ids per IN (...) list: SQLite caps the parameters of one statement, and a province-wide paper has more students.
_CHUNK = 5000


def _lookup(column_id, column_value, ids) -> dict:
    ids = sorted(set(ids))
    out = {}
    for start in range(0, len(ids), _CHUNK):
        out.update(db.session.execute(select(column_id, column_value).where(
            column_id.in_(ids[start:start + _CHUNK]))).all())
    return out


def class_schools(class_ids) -> dict[int, int]:
    """``{class_id: school_id}`` for the given classes."""
    return _lookup(SchoolClass.id, SchoolClass.school_id, class_ids)


def student_schools(student_ids) -> dict[int, int | None]:
    """``{student_id: school_id}`` for the given users: ids, or a SQL ``select`` of one id column (answered in
    one query, however many students it names)."""
    from sqlalchemy.sql import Select

    if isinstance(student_ids, Select):
        return dict(db.session.execute(select(User.id, User.school_id).where(User.id.in_(student_ids))).all())
    return _lookup(User.id, User.school_id, student_ids)


def schools() -> list[dict]:
    """Every school as ``{id, name, code}``, by name."""
    from .models import School

    return [{"id": s.id, "name": s.name, "code": s.code}
            for s in db.session.scalars(select(School).order_by(School.name))]


def department_user_ids() -> set[int]:
    """Ids of the department (Sở/Phòng) accounts: what they author is shared across schools."""
    return set(db.session.scalars(select(User.id).where(User.role == "department")))


def people_by_school(active_since=None) -> dict[int | None, dict[str, int]]:
    """Active accounts per school and role: ``{school_id: {"teacher": n, "student": m}}``. With ``active_since``
    only those seen (any request) since then are counted."""
    from sqlalchemy import func

    stmt = select(User.school_id, User.role, func.count()).where(User.active.is_(True),
                                                                 User.role.in_(("teacher", "student")))
    if active_since is not None:
        stmt = stmt.where(User.last_seen_at >= active_since)
    out: dict[int | None, dict[str, int]] = {}
    for school_id, role, count in db.session.execute(stmt.group_by(User.school_id, User.role)):
        out.setdefault(school_id, {"teacher": 0, "student": 0})[role] = count
    return out


def is_guardian(parent_id: int, student_id: int) -> bool:
    """Whether ``parent_id`` is a parent account linked to ``student_id``."""
    from .models import Guardian

    return db.session.get(Guardian, (parent_id, student_id)) is not None


def children_ids(parent_id: int) -> list[int]:
    """Ids of the students a parent follows."""
    from .models import Guardian

    return list(db.session.scalars(select(Guardian.student_id).where(Guardian.parent_id == parent_id)
                                   .order_by(Guardian.student_id)))


def guardian_ids(student_ids) -> set[int]:
    """Parent accounts linked to any of ``student_ids`` (who an announcement to a class also reaches)."""
    from .models import Guardian

    ids = list(student_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Guardian.parent_id).where(Guardian.student_id.in_(ids))))


def children(parent_id: int) -> list[dict]:
    """A parent's children: ``[{id, full_name, class, class_id, school, school_year, relation}]``."""
    from . import guardians

    return guardians.children(parent_id)


def may_follow_student(user, student_id: int) -> bool:
    """The student themself, or one of their linked parents: the people a student's own view is for."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == "student":
        return user.id == student_id
    if user.role == "parent":
        return is_guardian(user.id, student_id)
    return False


def school_member_ids(school_id: int) -> set[int]:
    """Active users of a school (students, teachers, the school's admins)."""
    return set(db.session.scalars(select(User.id).where(User.school_id == school_id, User.active.is_(True))))


def school_student_ids(school_id: int) -> set[int]:
    """Active students of a school."""
    return set(db.session.scalars(select(User.id).where(User.school_id == school_id, User.role == "student",
                                                        User.active.is_(True))))


def all_school_ids() -> list[int]:
    """Every school's id."""
    from .models import School

    return list(db.session.scalars(select(School.id).order_by(School.id)))
