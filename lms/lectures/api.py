"""What other packages may ask of lectures (search, exams, media's access check). Import only this module.

Returns plain data and ids, never model objects.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from question_bank.content import plain_text
from sqlalchemy import select

import media.api as media_api
from lms.core.db import db

from . import permissions
from .models import Lecture, LectureAttachment, LectureVersion
from .signals import lecture_changed  # noqa: F401  (re-exported for subscribers)

__all__ = ["can_view_lecture", "can_view_media", "get_lecture", "index_documents", "lecture_changed",
           "search_allow_clauses"]


def can_view_lecture(user, lecture_id: int) -> bool:
    """May ``user`` open the lecture (the rules of ``lms.lectures.permissions``)."""
    return permissions.can_view(user, db.session.get(Lecture, lecture_id))


def get_lecture(user, lecture_id: int) -> dict | None:
    """``{id, title, subject, grade, topic_id, owner_id, published}`` as ``user`` reads it, or None if hidden."""
    lecture = db.session.get(Lecture, lecture_id)
    if not permissions.can_view(user, lecture):
        return None
    version = permissions.readable_version(user, lecture)
    return {"id": lecture.id, "title": version.title if version else "", "subject": lecture.subject,
            "grade": lecture.grade, "topic_id": lecture.topic_id, "owner_id": lecture.owner_id,
            "published": lecture.is_published}


def search_allow_clauses(user) -> list[dict]:
    """The lecture visibility rules as lms.search.engine ``Allow`` clauses (see ``index_documents``)."""
    return permissions.search_allow_clauses(user)


def can_view_media(user, asset_id: int) -> bool:
    """Media access check: ``user`` may view an asset used by a lecture version they may read."""
    if user is None:
        return False
    rows = db.session.execute(
        select(LectureVersion.lecture_id, LectureVersion.id)
        .join(LectureAttachment, LectureAttachment.version_id == LectureVersion.id)
        .where(LectureAttachment.media_id == asset_id)).all()
    by_lecture: dict[int, set[int]] = {}
    for lecture_id, version_id in rows:
        by_lecture.setdefault(lecture_id, set()).add(version_id)
    for lecture_id, version_ids in by_lecture.items():
        lecture = db.session.get(Lecture, lecture_id)
        if version_ids & permissions.readable_version_ids(user, lecture):
            return True
    return False


def index_documents(lecture_ids: Iterable[int] | None = None) -> Iterator[dict]:
    """Search documents (lms.search.engine shape) for the given lectures, or all.

    A published lecture is indexed with its published version and ``status="published"`` (a pending edit
    is not searchable until it is published); an unpublished one with its draft and its workflow status,
    which only its owner, admins and (while in review) the department may see.
    """
    stmt = select(Lecture).order_by(Lecture.id)
    if lecture_ids is not None:
        ids = {int(i) for i in lecture_ids}
        if not ids:
            return
        stmt = stmt.where(Lecture.id.in_(ids))
    for lecture in db.session.scalars(stmt):
        version_id = lecture.published_version_id or lecture.draft_version_id
        version = db.session.get(LectureVersion, version_id) if version_id else None
        if version is None:
            continue
        names = []
        for att in version.attachments:
            info = media_api.get_media(att.media_id)
            names.extend(n for n in (att.title, info["filename"] if info else "") if n)
        yield {
            "type": "lecture", "obj_id": lecture.id, "title": version.title,
            "body": "\n".join([plain_text(version.description)] + names),
            "subject": lecture.subject, "grade": lecture.grade, "level": "",
            "status": "published" if lecture.is_published else lecture.status,
            "visibility": lecture.visibility, "owner_id": lecture.owner_id, "school_id": lecture.school_id,
            "class_ids": lecture.class_ids, "updated_at": lecture.updated_at,
        }
