"""The student's home panel of lectures: "Xem tiếp" (where they stopped) and lectures set for their class."""
from __future__ import annotations

from sqlalchemy import select

from lms.accounts.api import get_class, student_class_ids
from lms.core.db import db
from lms.curriculum.api import subject_names

from . import permissions
from .models import Lecture, LectureClass, LectureProgress

CONTINUE_LIMIT, TO_DO_LIMIT = 3, 5


def clock(seconds: float) -> str:
    """A video position as a student reads it: 4:05, or 1:02:03 past an hour."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _title(user, lecture: Lecture) -> str:
    version = permissions.readable_version(user, lecture)
    return version.title if version else ""


def student_panel(user) -> dict | None:
    """``{continue: [...], todo: [...]}``: unfinished videos (latest first, with the resume position) and
    published lectures for the student's classes and grade they have not opened; None when both are empty."""
    names = subject_names()
    visible = permissions.visible_filter(user)
    progress = db.session.execute(
        select(LectureProgress, Lecture).join(Lecture, Lecture.id == LectureProgress.lecture_id)
        .where(LectureProgress.student_id == user.id, visible)
        .order_by(LectureProgress.last_report_at.desc().nulls_last(), LectureProgress.id.desc())).all()
    started = {lecture.id for _, lecture in progress}
    resume, seen = [], set()
    for row, lecture in progress:
        if lecture.id in seen:
            continue
        seen.add(lecture.id)
        if row.completed or (row.position_s or 0) <= 0:
            continue
        resume.append({"id": lecture.id, "title": _title(user, lecture),
                       "subject": names.get(lecture.subject, lecture.subject), "position": clock(row.position_s),
                       "position_s": int(row.position_s), "percent": int(round((row.watched_ratio or 0) * 100))})
        if len(resume) >= CONTINUE_LIMIT:
            break
    class_ids = student_class_ids(user.id)
    grades = {k.grade for k in (get_class(cid) for cid in class_ids) if k is not None}
    for_class = select(LectureClass.lecture_id).where(LectureClass.class_id.in_(class_ids or {-1}))
    candidates = db.session.scalars(
        select(Lecture).where(visible, Lecture.published_version_id.is_not(None),
                              Lecture.id.in_(for_class) | Lecture.grade.in_(grades or {-1}))
        .order_by(Lecture.published_at.desc().nulls_last(), Lecture.id.desc()).limit(50)).all()
    assigned = set(db.session.scalars(for_class))
    todo = [{"id": lec.id, "title": _title(user, lec), "subject": names.get(lec.subject, lec.subject),
             "for_class": lec.id in assigned}
            for lec in sorted(candidates, key=lambda lec: lec.id not in assigned) if lec.id not in started]
    if not resume and not todo:
        return None
    return {"continue": resume, "todo": todo[:TO_DO_LIMIT]}
