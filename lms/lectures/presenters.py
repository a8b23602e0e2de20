"""Turn lectures into what one caller may read (the dicts the API schemas and the pages dump).

Only the version chosen by ``permissions.readable_version`` is shown, so a student never receives a draft;
the review trail and version history go only to those who see drafts.
"""
from __future__ import annotations

import media.api as media_api
from lms.accounts import api as accounts_api
from lms.core.db import db
from lms.core.errors import NotFound

from . import permissions
from .models import Lecture, LectureCollection, LectureReview, LectureVersion


def _name(user_id: int | None) -> str:
    user = accounts_api.get_user(user_id) if user_id else None
    return (user.full_name or user.username) if user else ""


def _media(user, media_id: int) -> dict | None:
    try:
        return media_api.media_payload(media_id, user)
    except NotFound:
        return None


def attachments(user, version: LectureVersion | None) -> list[dict]:
    """The version's attachments in order, each with its playback payload for ``user``."""
    if version is None:
        return []
    out = []
    for att in version.attachments:
        payload = _media(user, att.media_id)
        title = att.title or (payload or {}).get("filename") or ""
        out.append({"media_id": att.media_id, "title": title, "media": payload})
    return out


def detail(user, lecture: Lecture, version: LectureVersion | None = None) -> dict:
    """The full lecture as ``user`` reads it (``version`` defaults to the one they read)."""
    version = version or permissions.readable_version(user, lecture)
    staff_view = permissions.sees_drafts(user, lecture)
    data = {
        "id": lecture.id, "subject": lecture.subject, "grade": lecture.grade, "topic_id": lecture.topic_id,
        "owner_id": lecture.owner_id, "owner_name": _name(lecture.owner_id), "school_id": lecture.school_id,
        "title": version.title if version else "", "description": version.description if version else "",
        "visibility": version.visibility if version else lecture.visibility,
        "class_ids": list(version.class_ids or []) if version and version.visibility == "class" else [],
        # Readers who do not see drafts always read the published version, so for them it is "published".
        "status": lecture.status if staff_view else "published",
        "published": lecture.is_published,
        "version_id": version.id if version else None, "version_number": version.number if version else None,
        "published_version_id": lecture.published_version_id,
        "draft_version_id": lecture.draft_version_id if staff_view else None,
        "licence_note": lecture.licence_note, "practice_exam_id": lecture.practice_exam_id,
        "attachments": attachments(user, version),
        "reviews": [], "versions": [],
        "can_edit": permissions.can_edit(user, lecture),
        "submitted_at": lecture.submitted_at if staff_view else None, "published_at": lecture.published_at,
        "created_at": lecture.created_at, "updated_at": lecture.updated_at,
    }
    if permissions.sees_history(user, lecture):
        numbers = {v.id: v.number for v in lecture.versions}
        reviews = db.session.scalars(db.select(LectureReview).where(LectureReview.lecture_id == lecture.id)
                                     .order_by(LectureReview.created_at, LectureReview.id))
        data["reviews"] = [{"id": r.id, "version_id": r.version_id, "version_number": numbers.get(r.version_id),
                            "decision": r.decision, "comment": r.comment, "reviewer_id": r.reviewer_id,
                            "reviewer_name": _name(r.reviewer_id), "created_at": r.created_at} for r in reviews]
        data["versions"] = [{"id": v.id, "number": v.number, "title": v.title, "created_at": v.created_at}
                            for v in lecture.versions]
    return data


def summary(user, lecture: Lecture) -> dict:
    """A list entry: the title and poster of the version ``user`` reads."""
    version = permissions.readable_version(user, lecture)
    staff_view = permissions.sees_drafts(user, lecture)
    thumbnail = None
    for att in version.attachments if version else []:
        info = media_api.get_media(att.media_id)
        if info and info["kind"] in ("video", "image") and info["status"] == "ready":
            thumbnail = (_media(user, att.media_id) or {}).get("thumbnail_url")
            if thumbnail:
                break
    return {"id": lecture.id, "title": version.title if version else "", "subject": lecture.subject,
            "grade": lecture.grade, "topic_id": lecture.topic_id, "owner_id": lecture.owner_id,
            "owner_name": _name(lecture.owner_id),
            "visibility": version.visibility if version else lecture.visibility,
            "status": lecture.status if staff_view else "published", "published": lecture.is_published,
            "attachment_count": len(version.attachments) if version else 0, "thumbnail_url": thumbnail,
            "submitted_at": lecture.submitted_at if staff_view else None, "updated_at": lecture.updated_at}


def visible_collection_lectures(user, collection: LectureCollection) -> list[Lecture]:
    """The collection's lectures that ``user`` may see, in order."""
    out = []
    for item in collection.items:
        lecture = db.session.get(Lecture, item.lecture_id)
        if permissions.can_view(user, lecture) and permissions.readable_version(user, lecture) is not None:
            out.append(lecture)
    return out


def collection(user, collection: LectureCollection) -> dict:
    """A collection with only the lectures ``user`` may see."""
    return {"id": collection.id, "title": collection.title, "description": collection.description,
            "subject": collection.subject, "grade": collection.grade, "visibility": collection.visibility,
            "featured": collection.featured, "owner_id": collection.owner_id, "school_id": collection.school_id,
            "lectures": [summary(user, lec) for lec in visible_collection_lectures(user, collection)],
            "can_edit": permissions.can_edit_collection(user, collection),
            "created_at": collection.created_at, "updated_at": collection.updated_at}
