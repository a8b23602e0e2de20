"""Who may read and change which gradebook; the one place routes, pages and exports ask.

* the subject teacher of the class (accounts ``teaches``) and admins edit;
* the homeroom teacher reads every subject of the class;
* a student reads only their own scores in released columns, and so do their linked parents; their other
  teachers read released columns.

What a caller may not see is a 404 (``NotFound``), so the existence of a class or student does not leak.
"""
from __future__ import annotations

from lms.accounts import api as accounts
from lms.core.errors import NotFound, ValidationFailed
from lms.core.permissions import ADMIN, PARENT, STUDENT, TEACHER, require
from lms.curriculum import api as curriculum

EDIT, READ = "edit", "read"
#: What a viewer of a student's scores sees: every column, or released columns only.
FULL, RELEASED = "full", "released"


def gradebook_access(user, class_id: int, subject: str) -> str | None:
    """``"edit"``, ``"read"`` or None for this user on the gradebook of ``subject`` in class ``class_id``."""
    if user is None:
        return None
    if user.role == ADMIN:
        return EDIT
    if user.role != TEACHER:
        return None
    if accounts.teaches(user.id, class_id, subject):
        return EDIT
    if accounts.is_homeroom(user.id, class_id):
        return READ
    return None


def ensure_readable(user, class_id: int, subject: str):
    """The class, or NotFound when it does not exist or the user may not read its gradebook."""
    if curriculum.get_subject(subject) is None:
        raise ValidationFailed("Môn học không tồn tại.", errors={"subject": [f"Không có môn học mã “{subject}”."]})
    klass = accounts.get_class(class_id)
    if klass is None or gradebook_access(user, class_id, subject) is None:
        raise NotFound("Không tìm thấy sổ điểm.")
    return klass


def ensure_editable(user, class_id: int, subject: str):
    """The class, or NotFound (cannot see) / Forbidden (may read only, e.g. the homeroom teacher)."""
    klass = ensure_readable(user, class_id, subject)
    require(gradebook_access(user, class_id, subject) == EDIT,
            "Chỉ giáo viên bộ môn của lớp (hoặc quản trị) mới được nhập, sửa điểm môn này.")
    return klass


def student_view(user, student_id: int) -> str | None:
    """How much of a student's gradebook ``user`` sees across subjects: "full", "released" or None.

    Admins and the student's homeroom teachers see every column; other teachers of the student and the
    student themselves see released columns. Per-subject edit rights widen this in ``column_visible``.
    """
    if user is None:
        return None
    if user.role == ADMIN:
        return FULL
    if user.role in (STUDENT, PARENT):
        # The student and their linked parents see what the student sees ("Điểm của tôi").
        return RELEASED if accounts.may_follow_student(user, student_id) else None
    if user.role == TEACHER and user.id in accounts.teachers_of_student(student_id):
        homeroom = any(accounts.is_homeroom(user.id, cid) for cid in accounts.student_class_ids(student_id))
        return FULL if homeroom else RELEASED
    return None


def ensure_student_visible(user, student_id: int) -> str:
    """The view level for ``student_id``, or NotFound."""
    level = student_view(user, student_id)
    target = accounts.get_user(student_id)
    if level is None or target is None or target.role != STUDENT:
        raise NotFound("Không tìm thấy học sinh.")
    return level


def column_visible(user, level: str, column) -> bool:
    """Whether one column shows in a student view at ``level`` (a subject teacher sees their own drafts)."""
    if column.released or level == FULL:
        return True
    return user.role == TEACHER and gradebook_access(user, column.class_id, column.subject_code) == EDIT


def can_unlock(user, class_id: int, subject: str) -> bool:
    """Admins (the principal's office) and the subject teacher may unlock; the reason is always logged."""
    return gradebook_access(user, class_id, subject) == EDIT


def ensure_class_summary_readable(user, class_id: int):
    """The class, or NotFound: a class's summary (every subject) is for its homeroom teacher and admins."""
    klass = accounts.get_class(class_id)
    if klass is None or user is None or not (
            user.role == ADMIN or user.role == TEACHER and accounts.is_homeroom(user.id, class_id)):
        raise NotFound("Không tìm thấy bảng tổng hợp của lớp.")
    return klass


def ensure_qualities_editable(user, class_id: int):
    """The class, or NotFound: TT27 qualities and competences are levelled by the homeroom teacher (or an admin)."""
    return ensure_class_summary_readable(user, class_id)
