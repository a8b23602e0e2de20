"""Object-level rules for accounts: who may see and change which class."""
from __future__ import annotations

from lms.core.errors import NotFound
from lms.core.permissions import ADMIN, TEACHER, require

from .models import SchoolClass, User


def can_see_class(user: User, klass: SchoolClass) -> bool:
    if user.role == ADMIN:
        return True
    if user.role == TEACHER:
        from .api import taught_class_ids
        return klass.id in taught_class_ids(user.id)
    return False


def ensure_class_visible(user: User, klass: SchoolClass | None) -> SchoolClass:
    if klass is None or not can_see_class(user, klass):
        raise NotFound("Không tìm thấy lớp.")
    return klass


def ensure_can_enrol(user: User, klass: SchoolClass) -> None:
    """Admins and the class's homeroom teacher manage its students."""
    ensure_class_visible(user, klass)
    require(user.role == ADMIN or klass.homeroom_teacher_id == user.id,
            "Chỉ giáo viên chủ nhiệm hoặc quản trị mới thêm được học sinh vào lớp.")
