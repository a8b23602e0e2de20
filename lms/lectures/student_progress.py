"""One student's progress over the lectures of their classes: what a student, their parents and their
teachers see on the student's page ("Bài giảng đã xem")."""
from __future__ import annotations

from sqlalchemy import or_, select

from lms.accounts import api as accounts_api
from lms.core.db import db
from lms.core.errors import NotFound
from lms.core.permissions import ADMIN, PARENT, STUDENT, TEACHER

from .models import Lecture, LectureClass, LectureProgress, LectureVersion
from .progress import lecture_progress_for, playable_media


def ensure_student_followed(user, student_id: int | None):
    """The student whose lecture progress ``user`` may read, or NotFound (the existence does not leak).

    The student themself (``student_id`` may be omitted), a linked parent, the student's teachers, admins.
    """
    if student_id is None:
        if user.role == STUDENT:
            return user
        raise NotFound("Chọn học sinh (student_id).")
    target = accounts_api.get_user(student_id)
    if target is None or target.role != STUDENT:
        raise NotFound("Không tìm thấy học sinh.")
    allowed = (user.role == ADMIN
               or user.role in (STUDENT, PARENT) and accounts_api.may_follow_student(user, student_id)
               or user.role == TEACHER and user.id in accounts_api.teachers_of_student(student_id))
    if not allowed:
        raise NotFound("Không tìm thấy học sinh.")
    return target


def student_lectures(student_id: int) -> dict:
    """``{student_id, items:[{lecture_id, title, subject, grade, watched_ratio, completed, last_watched_at}]}``.

    The published lectures given to the student's classes, plus any other lecture the student has watched,
    most recently watched first, then unwatched ones by title.
    """
    class_ids = accounts_api.student_class_ids(student_id)
    watched_ids = select(LectureProgress.lecture_id).where(LectureProgress.student_id == student_id)
    given_ids = select(LectureClass.lecture_id).where(LectureClass.class_id.in_(class_ids or {-1}))
    lectures = db.session.scalars(select(Lecture).where(
        Lecture.published_version_id.is_not(None),
        or_(Lecture.id.in_(watched_ids), Lecture.id.in_(given_ids)))).all()
    rows = db.session.scalars(select(LectureProgress).where(
        LectureProgress.student_id == student_id,
        LectureProgress.lecture_id.in_([lec.id for lec in lectures] or [-1]))).all()
    by_lecture: dict[int, list[LectureProgress]] = {}
    for row in rows:
        by_lecture.setdefault(row.lecture_id, []).append(row)
    items = []
    for lecture in lectures:
        version = db.session.get(LectureVersion, lecture.published_version_id)
        state = lecture_progress_for(lecture, student_id, playable_media(version), by_lecture.get(lecture.id, []))
        items.append({"lecture_id": lecture.id, "title": version.title, "subject": lecture.subject,
                      "grade": lecture.grade, "watched_ratio": state["watched_ratio"],
                      "completed": state["completed"], "last_watched_at": state["last_watched_at"]})
    items.sort(key=lambda i: (i["last_watched_at"] is None,
                              -(i["last_watched_at"].timestamp()) if i["last_watched_at"] else 0, i["title"]))
    return {"student_id": student_id, "items": items}
