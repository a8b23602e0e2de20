"""Who may see, take and grade which exam or attempt, and how much of a review a student sees.

The one place these rules live: routes, pages and the results/statistics code all ask here. What a caller
may not see is NotFound, so the existence of another teacher's exam does not leak.
"""
from __future__ import annotations

from datetime import datetime

from lms.accounts.api import get_user, may_follow_student, student_class_ids, taught_class_ids, teachers_of_student
from lms.core.errors import NotFound
from lms.core.permissions import ADMIN, PARENT, STUDENT, TEACHER

from .models import Attempt, Exam

#: Review levels, from nothing to everything. Each includes the ones before it.
NONE, SCORE, POINTS, FULL = "none", "score", "points", "full"
_ORDER = (NONE, SCORE, POINTS, FULL)


def can_manage(user, exam: Exam | None) -> bool:
    """The owner manages an exam (edits, grades, sees results); an admin may look too."""
    if exam is None or user is None:
        return False
    return user.role == ADMIN or (user.role == TEACHER and exam.owner_id == user.id)


def ensure_student_followed(user, student_id: int | None):
    """The student whose exam list ``user`` may read, or NotFound.

    The student themself (``student_id`` may be omitted), a linked parent, or one of the student's teachers;
    everyone else gets a 404 so that the existence of a student does not leak.
    """
    if student_id is None:
        if user.role == STUDENT:
            return user
        raise NotFound("Chọn học sinh (student_id).")
    target = get_user(student_id)
    if target is None or target.role != STUDENT:
        raise NotFound("Không tìm thấy học sinh.")
    if user.role in (STUDENT, PARENT) and may_follow_student(user, student_id):
        return target
    if user.role == TEACHER and user.id in teachers_of_student(student_id):
        return target
    raise NotFound("Không tìm thấy học sinh.")


def ensure_manageable(user, exam: Exam | None) -> Exam:
    """Return ``exam`` or raise NotFound when ``user`` does not manage it."""
    if not can_manage(user, exam):
        raise NotFound("Không tìm thấy bài kiểm tra.")
    return exam


def can_take(user, exam: Exam | None) -> bool:
    """A student of one of the classes the exam is assigned to."""
    if exam is None or user is None or user.role != STUDENT:
        return False
    return bool(set(exam.class_ids) & student_class_ids(user.id))


def ensure_takeable(user, exam: Exam | None) -> Exam:
    """Return ``exam`` or raise NotFound when ``user`` may not take it."""
    if not can_take(user, exam):
        raise NotFound("Không tìm thấy bài kiểm tra.")
    return exam


def ensure_can_assign(user, class_ids) -> list[int]:
    """The classes a teacher may assign: those they teach or are homeroom teacher of. Returns the bad ones."""
    if user.role == ADMIN:
        return []
    allowed = taught_class_ids(user.id)
    return [cid for cid in class_ids if cid not in allowed]


def ensure_attempt_visible(user, attempt: Attempt | None, exam: Exam | None) -> Attempt:
    """The student who made it or whoever manages the exam."""
    if attempt is None or exam is None:
        raise NotFound("Không tìm thấy bài làm.")
    if user.role == STUDENT and attempt.student_id == user.id:
        return attempt
    if can_manage(user, exam):
        return attempt
    raise NotFound("Không tìm thấy bài làm.")


def ensure_own_attempt(user, attempt):
    """Only the student who made an attempt writes to it. ``attempt``: an Attempt, or anything with its
    ``student_id`` (the autosave's ``attempts.SaveTarget``), or None; returned as given."""
    if attempt is None or user.role != STUDENT or attempt.student_id != user.id:
        raise NotFound("Không tìm thấy bài làm.")
    return attempt


def review_level(user, attempt: Attempt, exam: Exam, now: datetime) -> str:
    """How much of ``attempt`` ``user`` may see now: ``none`` < ``score`` < ``points`` < ``full``.

    Staff who manage the exam always see everything. A student sees nothing beyond the paper while the
    attempt is open. After submitting, by the exam's ``review`` policy:

    - ``immediately``: everything (score, points per question, keys, explanations) right after submitting;
    - ``after_submit``: the total score; per-question points, correctness, keys and explanations once the
      exam has closed. Not before: a "correct" mark next to one's own answer *is* the key, which a student
      would pass to classmates still sitting the exam, or use in their own next attempt;
    - ``after_close``: nothing (not even the score) until the exam closes, then everything;
    - ``never``: the score only.

    An exam with no closing time stays open to others, so under ``after_submit`` and ``after_close`` its
    details never open. Practice mode always shows everything after submit: its purpose is feedback.
    Whatever the level, a student sees the paper and their own answers (``attempts.document``).
    """
    if can_manage(user, exam):
        return FULL
    if attempt.status == "in_progress" or attempt.student_id != getattr(user, "id", None):
        return NONE
    closed = exam.closes_at is not None and now >= exam.closes_at
    if exam.mode == "practice" or exam.review == "immediately":
        return FULL
    if exam.review == "after_submit":
        return FULL if closed else SCORE
    if exam.review == "after_close":
        return FULL if closed else NONE
    return SCORE


def at_least(level: str, wanted: str) -> bool:
    """True when ``level`` includes ``wanted``."""
    return _ORDER.index(level) >= _ORDER.index(wanted)
