"""What other packages may ask of lectures (search, exams, media's access check). Import only this module.

Returns plain data and ids, never model objects.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from question_bank.content import plain_text
from sqlalchemy import select

import media.api as media_api
from lms.core.db import db

from . import permissions
from .models import Lecture, LectureAttachment, LectureProgress, LectureVersion
from .progress import package_media, score_10
from .signals import lecture_changed, package_scored  # noqa: F401  (re-exported for subscribers)

__all__ = ["can_view_lecture", "can_view_media", "get_lecture", "index_documents", "lecture_changed",
           "lecture_review_state", "package_best_scores", "package_of", "package_scored", "search_allow_clauses",
           "student_lectures"]


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
    """The lecture visibility rules as lms.search.documents ``Allow`` clauses (see ``index_documents``)."""
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
    """Search documents (lms.search.documents shape) for the given lectures, or all.

    The body holds the description, the attachments' titles and file names, and the text of its PDFs. A
    published lecture is indexed with its published version and ``status="published"`` (a pending edit
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
        names, texts = [], []
        for att in version.attachments:
            info = media_api.get_media(att.media_id)
            names.extend(n for n in (att.title, info["filename"] if info else "") if n)
            if info and info["kind"] == "pdf":
                # What the lecture's PDFs say (their opening 100k characters): found by its documents' words.
                texts.append(media_api.document_text(att.media_id))
        yield {
            "type": "lecture", "obj_id": lecture.id, "title": version.title,
            "body": "\n".join([plain_text(version.description)] + names + [t for t in texts if t]),
            "subject": lecture.subject, "grade": lecture.grade, "level": "",
            "status": "published" if lecture.is_published else lecture.status,
            "visibility": lecture.visibility, "owner_id": lecture.owner_id, "school_id": lecture.school_id,
            "class_ids": lecture.class_ids, "updated_at": lecture.updated_at,
        }


def monthly_growth(since, zone: str) -> dict[str, dict[str, int]]:
    """Lectures created per local calendar month since ``since``: ``{"2026-11": {"created": n, "shared": m}}``,
    ``shared`` counting approvals into the shared library that month."""
    from sqlalchemy import func, select

    from lms.core.db import month_key

    from .models import Lecture, LectureReview

    out: dict[str, dict[str, int]] = {}
    month = month_key(Lecture.created_at, zone)
    for key, count in db.session.execute(select(month, func.count()).where(Lecture.created_at >= since)
                                         .group_by(month)):
        out.setdefault(key, {"created": 0, "shared": 0})["created"] = count
    month = month_key(LectureReview.created_at, zone)
    for key, count in db.session.execute(select(month, func.count()).where(
            LectureReview.created_at >= since, LectureReview.decision == "approve").group_by(month)):
        out.setdefault(key, {"created": 0, "shared": 0})["shared"] = count
    return out


def review_figures(since) -> dict:
    """The shared-library review queue: ``{backlog, oldest_submitted_at, reviews: [(submitted_at, reviewed_at,
    decision)]}``. A lecture keeps only its latest submission time, so only its latest review is paired."""
    from sqlalchemy import func, select

    from .models import Lecture, LectureReview

    backlog = db.session.scalar(select(func.count()).select_from(Lecture).where(Lecture.status == "in_review")) or 0
    oldest = db.session.scalar(select(func.min(Lecture.submitted_at)).where(Lecture.status == "in_review"))
    latest = select(LectureReview.lecture_id, func.max(LectureReview.id).label("review_id")).group_by(
        LectureReview.lecture_id).subquery()
    rows = db.session.execute(select(Lecture.submitted_at, LectureReview.created_at, LectureReview.decision)
                              .join(latest, latest.c.review_id == LectureReview.id)
                              .join(Lecture, Lecture.id == LectureReview.lecture_id)
                              .where(LectureReview.created_at >= since)).all()
    reviews = [(sub, at, decision) for sub, at, decision in rows if sub is not None and sub <= at]
    return {"backlog": backlog, "oldest_submitted_at": oldest, "reviews": reviews}


def counts_by_school() -> dict[int | None, dict[str, int]]:
    """Lectures per author's school: ``{school_id: {"total": n, "shared": m}}``, ``shared`` being those
    published in the shared library."""
    from sqlalchemy import and_, case, func, select

    from .models import Lecture

    shared = func.sum(case((and_(Lecture.visibility == "shared", Lecture.status == "published"), 1), else_=0))
    rows = db.session.execute(select(Lecture.school_id, func.count(), shared).group_by(Lecture.school_id))
    return {school_id: {"total": total, "shared": int(in_library or 0)} for school_id, total, in_library in rows}


def student_lectures(student_id: int) -> dict:
    """``{student_id, items:[{lecture_id, title, subject, grade, watched_ratio, completed, last_watched_at}]}``:
    the lectures of a student's classes and how far the student watched. The caller checks who may see it."""
    from . import student_progress

    return student_progress.student_lectures(student_id)


def lecture_review_state(lecture_id: int) -> dict | None:
    """``{id, owner_id, status, title}`` of a lecture for its author's notices (no viewer check), or None."""
    lecture = db.session.get(Lecture, lecture_id)
    if lecture is None:
        return None
    version_id = lecture.draft_version_id or lecture.published_version_id
    version = db.session.get(LectureVersion, version_id) if version_id else None
    return {"id": lecture.id, "owner_id": lecture.owner_id, "status": lecture.status, "version_id": version_id,
            "published": lecture.published_version_id is not None, "title": version.title if version else ""}


def package_of(user, lecture_id: int, media_id: int) -> dict | None:
    """``{lecture_id, media_id, title, subject, grade, type}`` when ``media_id`` is a ready interactive package
    of the lecture's published version and ``user`` may see the lecture; None otherwise."""
    lecture = db.session.get(Lecture, lecture_id)
    if not permissions.can_view(user, lecture) or not lecture.published_version_id:
        return None
    version = db.session.get(LectureVersion, lecture.published_version_id)
    info = next((p for p in package_media(version) if p["id"] == media_id), None)
    if info is None:
        return None
    return {"lecture_id": lecture.id, "media_id": media_id, "title": version.title, "subject": lecture.subject,
            "grade": lecture.grade, "type": (info.get("package") or {}).get("type")}


def package_best_scores(lecture_id: int, media_id: int, student_ids: Iterable[int]) -> dict[int, Decimal]:
    """The best score so far of each of ``student_ids`` who has one on the package, on the 0..10 scale
    (one decimal, half up), as ``package_scored`` sends it."""
    ids = list(student_ids)
    rows = db.session.execute(select(LectureProgress.student_id, LectureProgress.score).where(
        LectureProgress.lecture_id == lecture_id, LectureProgress.media_id == media_id,
        LectureProgress.student_id.in_(ids or [-1]), LectureProgress.score.is_not(None)))
    return {student_id: score_10(score) for student_id, score in rows}
