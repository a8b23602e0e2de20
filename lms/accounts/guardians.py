"""Parents (phụ huynh) linked to students: who may link, the link itself, and what a parent follows.

A parent account reads only what concerns the students it is linked to; every feature asks
``accounts.api.may_follow_student`` (the student themself or a linked parent) before showing a student's data.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import NotFound, ValidationFailed
from lms.core.permissions import ADMIN, PARENT, STUDENT, TEACHER

from .models import Enrolment, Guardian, School, SchoolClass, User


def _homeroom_of(teacher_id: int, student_id: int) -> bool:
    return db.session.scalar(
        select(SchoolClass.id).join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .where(Enrolment.student_id == student_id, SchoolClass.homeroom_teacher_id == teacher_id).limit(1)) is not None


def ensure_can_manage(user: User, student_id: int) -> User:
    """The student, or NotFound: admins and the student's homeroom teacher link parents; nobody else sees them."""
    student = db.session.get(User, student_id)
    if student is None or student.role != STUDENT or user is None:
        raise NotFound("Không tìm thấy học sinh.")
    if user.role == ADMIN or user.role == TEACHER and _homeroom_of(user.id, student_id):
        return student
    raise NotFound("Không tìm thấy học sinh.")


def link(actor: User | None, student: User, parent_id: int, relation: str = "") -> Guardian:
    """Link the parent account ``parent_id`` to ``student`` (idempotent: a second call updates the relation)."""
    parent = db.session.get(User, parent_id)
    if parent is None or parent.role != PARENT:
        raise ValidationFailed(errors={"parent_id": ["Không có tài khoản phụ huynh này (vai trò parent)."]})
    row = db.session.get(Guardian, (parent.id, student.id))
    if row is None:
        row = Guardian(parent_id=parent.id, student_id=student.id, relation=relation or "")
        db.session.add(row)
    elif relation:
        row.relation = relation
    db.session.flush()
    return row


def unlink(actor: User | None, student: User, parent_id: int) -> None:
    row = db.session.get(Guardian, (parent_id, student.id))
    if row is None:
        raise NotFound("Phụ huynh này chưa được liên kết với học sinh.")
    db.session.delete(row)
    db.session.flush()


def guardians_of(student_id: int) -> list[dict]:
    """``[{parent_id, username, full_name, relation}]`` of a student, by name."""
    rows = db.session.execute(select(Guardian, User).join(User, User.id == Guardian.parent_id)
                              .where(Guardian.student_id == student_id).order_by(User.full_name, User.id))
    return [{"parent_id": u.id, "username": u.username, "full_name": u.full_name, "relation": g.relation}
            for g, u in rows]


def children(parent_id: int) -> list[dict]:
    """``[{id, full_name, class, class_id, school, school_year, relation}]`` of a parent's children.

    ``class`` is the child's class of the newest school year they are enrolled in (None if none yet), so a
    parent with children in two schools sees each child's own school.
    """
    rows = db.session.execute(select(Guardian, User).join(User, User.id == Guardian.student_id)
                              .where(Guardian.parent_id == parent_id).order_by(User.full_name, User.id)).all()
    out = []
    for guardian, student in rows:
        klass = db.session.scalars(
            select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
            .where(Enrolment.student_id == student.id)
            .order_by(SchoolClass.school_year.desc(), SchoolClass.id.desc()).limit(1)).first()
        school = db.session.get(School, klass.school_id if klass else student.school_id) if (
            klass or student.school_id) else None
        out.append({"id": student.id, "full_name": student.full_name,
                    "class": klass.name if klass else None, "class_id": klass.id if klass else None,
                    "school_year": klass.school_year if klass else None,
                    "school": school.name if school else None, "relation": guardian.relation})
    return out
