"""What other packages (the parent portal) may ask of notices. Plain dicts."""
from __future__ import annotations

from sqlalchemy import select

from lms.core.db import db

from . import services
from .models import Notification


def announcements_for(user, limit: int = 20) -> list[dict]:
    """Announcements reaching ``user``, newest first, each with ``read`` (see services.visible_announcements)."""
    return services.visible_announcements(user, limit=limit)


def announcements_for_student(parent, student_id: int, limit: int = 10) -> list[dict]:
    """The announcements that reached both ``parent`` and their child ``student_id`` (the child's classes and
    school), newest first, ``read`` as the parent read them. The caller checks the parent follows the child."""
    child_ids = set(db.session.scalars(select(Notification.announcement_id).where(
        Notification.user_id == student_id, Notification.announcement_id.is_not(None))))
    return [a for a in services.visible_announcements(parent, limit=200) if a["id"] in child_ids][:limit]


def unread_count(user_id: int) -> int:
    """How many of the user's notices are unread (the header's badge)."""
    return services.unread_count(user_id)


__all__ = ["announcements_for", "announcements_for_student", "unread_count"]
