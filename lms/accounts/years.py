"""School years (năm học) and moving classes on to the next one ("lên lớp")."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import Conflict, ValidationFailed

from .models import Enrolment, SchoolClass, SchoolYear, User
from .services import create_class, enrol_students


def save_school_year(actor, *, name: str, starts_on, ends_on, is_current: bool = False,
                     year: SchoolYear | None = None) -> SchoolYear:
    """Create or edit a school year; marking one current unmarks the others."""
    first, _, second = name.partition("-")
    if not (first.isdigit() and second.isdigit() and int(second) == int(first) + 1):
        raise ValidationFailed(errors={"name": ["Năm học có dạng 2026-2027 (hai năm liên tiếp)."]})
    if ends_on <= starts_on:
        raise ValidationFailed(errors={"ends_on": ["Ngày kết thúc phải sau ngày bắt đầu."]})
    clash = db.session.scalar(select(SchoolYear.id).where(SchoolYear.name == name))
    if clash and (year is None or clash != year.id):
        raise Conflict(f"Năm học {name} đã có.")
    if year is None:
        year = SchoolYear(name=name, starts_on=starts_on, ends_on=ends_on)
        db.session.add(year)
    else:
        year.name, year.starts_on, year.ends_on = name, starts_on, ends_on
    if is_current:
        for other in db.session.scalars(select(SchoolYear).where(SchoolYear.is_current.is_(True))):
            other.is_current = False
    year.is_current = is_current
    db.session.flush()
    return year


def current_school_year() -> str | None:
    """The name of the school year marked current, or None."""
    return db.session.scalar(select(SchoolYear.name).where(SchoolYear.is_current.is_(True)).limit(1))


def promotion_plan(school_id: int, from_year: str, to_year: str) -> list[dict]:
    """What "lên lớp" would do for one school: each class of ``from_year`` below grade 12 becomes the class of
    the next grade in ``to_year`` (10A1 -> 11A1) with the same active students. Grade 12 (and 5, 9: the last
    grade of primary and lower secondary) leave the school and are not carried over. Classes that already exist
    in ``to_year`` are reused, so running it twice adds nothing. Nothing is written.
    """
    plan = []
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                           SchoolClass.school_year == from_year)
                                 .order_by(SchoolClass.grade, SchoolClass.name)).all()
    for klass in classes:
        size = db.session.scalar(select(func.count()).select_from(Enrolment).join(User, User.id == Enrolment.student_id)
                                 .where(Enrolment.class_id == klass.id, User.active.is_(True)))
        if klass.grade in (5, 9, 12):
            plan.append({"from": klass, "name": None, "grade": None, "students": size, "exists": False})
            continue
        grade = klass.grade + 1
        match = re.match(r"(\s*)(\d{1,2})(.*)", klass.name)
        name = f"{match.group(1)}{grade}{match.group(3)}" if match and int(match.group(2)) == klass.grade \
            else klass.name
        exists = db.session.scalar(select(SchoolClass.id).where(SchoolClass.school_id == school_id,
                                                                SchoolClass.school_year == to_year,
                                                                SchoolClass.name == name)) is not None
        plan.append({"from": klass, "name": name, "grade": grade, "students": size, "exists": exists})
    return plan


def promote_classes(actor, school_id: int, from_year: str, to_year: str) -> list[SchoolClass]:
    """Apply ``promotion_plan``: create the next year's classes and enrol the same active students.
    Teachers are not carried over: homeroom and subject teachers are assigned anew each year."""
    if not re.fullmatch(r"\d{4}-\d{4}", to_year) or int(to_year[5:]) != int(to_year[:4]) + 1:
        raise ValidationFailed(errors={"to_year": ["Năm học có dạng 2027-2028 (hai năm liên tiếp)."]})
    if not re.fullmatch(r"\d{4}-\d{4}", from_year) or int(to_year[:4]) <= int(from_year[:4]):
        raise ValidationFailed(errors={"to_year": ["Năm học mới phải sau năm học cũ."]})
    made = []
    for step in promotion_plan(school_id, from_year, to_year):
        if step["name"] is None:
            continue
        klass = db.session.scalar(select(SchoolClass).where(SchoolClass.school_id == school_id,
                                                            SchoolClass.school_year == to_year,
                                                            SchoolClass.name == step["name"]))
        if klass is None:
            klass = create_class(actor, name=step["name"], grade=step["grade"], school_id=school_id,
                                 school_year=to_year)
        students = [s for s in db.session.scalars(select(Enrolment.student_id).join(User, User.id == Enrolment.student_id)
                                                  .where(Enrolment.class_id == step["from"].id,
                                                         User.active.is_(True)))]
        if students:
            enrol_students(actor, klass, students)
        made.append(klass)
    return made
