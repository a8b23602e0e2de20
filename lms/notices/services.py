"""Announcements and notifications: who may announce to whom, who an announcement reaches, read state.

Services take the acting user, raise domain errors and flush; the request or the job commits.
"""
from __future__ import annotations

from sqlalchemy import select, update

from lms.accounts import api as accounts
from lms.core.db import db, utcnow
from lms.core.errors import NotFound, ValidationFailed
from lms.core.permissions import ADMIN, DEPARTMENT, PARENT, STUDENT, TEACHER

from . import mailing
from .models import Announcement, AnnouncementTarget, Notification


def _targets_for(user, class_ids: list[int], school_ids: list[int]) -> tuple[list[int], list[int]]:
    """The (class_ids, school_ids) ``user`` may announce to, or a 404/422 naming what is wrong."""
    class_ids, school_ids = sorted(set(class_ids or [])), sorted(set(school_ids or []))
    for class_id in class_ids:
        klass = accounts.get_class(class_id)
        allowed = klass is not None and (
            user.role == TEACHER and class_id in accounts.taught_class_ids(user.id)
            or user.role == ADMIN and (user.school_id is None or klass.school_id == user.school_id)
            or user.role == DEPARTMENT)
        if not allowed:
            raise NotFound(f"Không tìm thấy lớp {class_id}.")
    if user.role == TEACHER:
        if school_ids:
            raise ValidationFailed(errors={"school_ids": ["Giáo viên thông báo cho các lớp mình dạy."]})
        if not class_ids:
            raise ValidationFailed(errors={"class_ids": ["Chọn ít nhất một lớp."]})
    elif user.role == ADMIN:
        if user.school_id is not None and any(s != user.school_id for s in school_ids):
            raise NotFound("Không tìm thấy trường.")
        if not class_ids and not school_ids:
            if user.school_id is None:
                raise ValidationFailed(errors={"school_ids": ["Chọn trường hoặc lớp nhận thông báo."]})
            school_ids = [user.school_id]
    elif not class_ids and not school_ids:
        school_ids = accounts.all_school_ids()  # the department: every school of the province
    known = set(accounts.all_school_ids())
    missing = [s for s in school_ids if s not in known]
    if missing:
        raise NotFound(f"Không tìm thấy trường {missing[0]}.")
    return class_ids, school_ids


def create_announcement(user, *, title: str, body: str = "", class_ids=None, school_ids=None) -> Announcement:
    """Post an announcement; its notifications are fanned out by a job after commit (``tasks``)."""
    class_ids, school_ids = _targets_for(user, class_ids, school_ids)
    item = Announcement(author_id=user.id, title=title.strip(), body=(body or "").strip())
    item.targets = ([AnnouncementTarget(class_id=c) for c in class_ids]
                    + [AnnouncementTarget(school_id=s) for s in school_ids])
    db.session.add(item)
    db.session.flush()
    return item


def recipients(item: Announcement) -> set[int]:
    """Everyone an announcement reaches: the students of its classes, every member of its schools, and the
    parents of those students. The author is left out (they know)."""
    students: set[int] = set()
    people: set[int] = set()
    for target in item.targets:
        if target.class_id is not None:
            students |= set(accounts.class_student_ids(target.class_id))
        else:
            people |= accounts.school_member_ids(target.school_id)
            students |= accounts.school_student_ids(target.school_id)
    return (people | students | accounts.guardian_ids(students)) - {item.author_id}


def notify(user_ids, *, kind: str, key: str, title: str, url: str = "", announcement_id: int | None = None) -> int:
    """Add one notice per user unless they already have one with this ``key``; returns how many were added.
    Users who asked for e-mail copies get one by a job after commit (``mailing``)."""
    ids = set(user_ids)
    if not ids:
        return 0
    have = set(db.session.scalars(select(Notification.user_id).where(Notification.key == key,
                                                                      Notification.user_id.in_(ids))))
    rows = [Notification(user_id=uid, kind=kind, key=key, title=title[:300], url=url,
                         announcement_id=announcement_id) for uid in sorted(ids - have)]
    db.session.add_all(rows)
    db.session.flush()
    mailing.queue(rows)
    return len(rows)


def visible_announcements(user, limit: int = 50) -> list[dict]:
    """What reaches ``user`` (or they wrote), newest first, each with ``read`` for the caller."""
    reached = select(Notification.announcement_id, Notification.read_at).where(
        Notification.user_id == user.id, Notification.announcement_id.is_not(None))
    read = {aid: at is not None for aid, at in db.session.execute(reached)}
    items = db.session.scalars(select(Announcement).where(
        Announcement.id.in_(list(read) or [-1]) | (Announcement.author_id == user.id))
        .order_by(Announcement.created_at.desc(), Announcement.id.desc()).limit(limit)).all()
    return [present(a, read=read.get(a.id, True)) for a in items]


def present(item: Announcement, *, read: bool) -> dict:
    author = accounts.get_user(item.author_id)
    return {"id": item.id, "title": item.title, "body": item.body, "created_at": item.created_at,
            "author": author.full_name if author else "", "read": read,
            "class_ids": [t.class_id for t in item.targets if t.class_id is not None],
            "school_ids": [t.school_id for t in item.targets if t.school_id is not None]}


def notifications(user, limit: int = 50) -> dict:
    """``{unread, items}``: the newest notices of ``user`` and how many are unread."""
    items = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                               .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
    return {"unread": unread_count(user.id), "items": items}


def unread_count(user_id: int) -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the caller's notices read (idempotent); another user's notice is a 404."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFound("Không tìm thấy thông báo.")
    if row.read_at is None:
        row.read_at = utcnow()
    db.session.flush()
    return row


def mark_announcement_read(user, announcement_id: int) -> None:
    """Reading an announcement marks its notice read."""
    done = db.session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.announcement_id == announcement_id,
        Notification.read_at.is_(None)).values(read_at=utcnow())).rowcount
    if not done and db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.announcement_id == announcement_id)) is None:
        raise NotFound("Không tìm thấy thông báo.")


#: Roles that read announcements addressed to them (everyone); kept explicit for the matrix.
READERS = (ADMIN, DEPARTMENT, TEACHER, STUDENT, PARENT)
