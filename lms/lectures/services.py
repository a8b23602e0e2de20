"""Lecture use cases: create, edit (versioning), submit, review, delete, collections and watch progress.

Services take the acting user, check object rules through ``permissions``, flush and send ``lecture_changed``;
they never commit (the request or job does, once).
"""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from question_bank.content import sanitize_html
from sqlalchemy import func, select

import media.api as media_api
from lms.accounts import api as accounts_api
from lms.core.db import db, utcnow
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.permissions import ADMIN, DEPARTMENT
from lms.curriculum import api as curriculum_api

from . import permissions, reading, signals, watching
from .attached import attached_media, progress_row
from .models import (
    Lecture,
    LectureAttachment,
    LectureClass,
    LectureCollection,
    LectureCollectionItem,
    LectureProgress,
    LectureReview,
    LectureVersion,
)
from .signals import lecture_changed

#: Media kinds that are played (and whose watching counts towards completion).
PLAYABLE_KINDS = ("video", "audio")
#: Fields that live on the lecture identity and change at once (not versioned).
IDENTITY_FIELDS = ("subject", "grade", "topic_id", "licence_note", "practice_exam_id")
#: Fields that belong to a version.
VERSION_FIELDS = ("title", "description", "visibility", "class_ids", "attachments", "media_ids")


def completion_ratio() -> float:
    """The configured share of a video that counts as watched (LECTURE_COMPLETION_RATIO, default 0.9)."""
    raw = current_app.config.get("LECTURE_COMPLETION_RATIO", watching.COMPLETION_RATIO)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return watching.COMPLETION_RATIO
    return value if 0 < value <= 1 else watching.COMPLETION_RATIO


def _changed(lecture_id: int, action: str) -> None:
    db.session.flush()
    lecture_changed.send(lecture_id, lecture_id=lecture_id, action=action)


# Validation -----------------------------------------------------------------------------------------

def _check_classification(subject: str, grade: int, topic_id: int | None) -> None:
    errors = {}
    if curriculum_api.get_subject(subject) is None:
        errors["subject"] = ["Môn học không tồn tại."]
    if topic_id is not None:
        topic = curriculum_api.get_topic(topic_id)
        if topic is None:
            errors["topic_id"] = ["Chủ đề không tồn tại."]
        elif topic["subject"] != subject or topic["grade"] != grade:
            errors["topic_id"] = ["Chủ đề không thuộc môn và khối đã chọn."]
    if errors:
        raise ValidationFailed(errors=errors)


def _check_audience(user, owner, visibility: str, class_ids: list[int]) -> list[int]:
    """Validate the requested audience for a lecture owned by ``owner``; return the class ids to keep."""
    if visibility == "class":
        if not class_ids:
            raise ValidationFailed(errors={"class_ids": ["Chọn ít nhất một lớp."]})
        allowed = accounts_api.taught_class_ids(owner.id) if owner.role != ADMIN else None
        bad = [cid for cid in class_ids if accounts_api.get_class(cid) is None
               or (allowed is not None and cid not in allowed)]
        if bad:
            raise ValidationFailed(errors={"class_ids": [f"Bạn không dạy lớp {cid}." for cid in bad]})
        return sorted(set(class_ids))
    if visibility == "school" and owner.school_id is None:
        raise ValidationFailed(errors={"visibility": ["Tài khoản không thuộc trường nào."]})
    return []


def _attachment_rows(user, body: dict, current: list[LectureAttachment] | None) -> list[tuple[int, str]] | None:
    """The requested ``[(media_id, title)]`` after checking the caller may use each asset; None if unchanged."""
    if body.get("attachments") is not None:
        wanted = [(a["media_id"], a.get("title") or "") for a in body["attachments"]]
    elif body.get("media_ids") is not None:
        kept = {a.media_id: a.title for a in current or []}
        wanted = [(mid, kept.get(mid, "")) for mid in body["media_ids"]]
    else:
        return None
    already = {a.media_id for a in current or []}
    bad = [mid for mid, _ in wanted if mid not in already and not media_api.can_view(user, mid)]
    if bad:
        raise ValidationFailed(errors={"media_ids": [f"Không tìm thấy tệp {mid}." for mid in bad]})
    return wanted


def _clean_title(title: str) -> str:
    return " ".join(title.split())


# Lectures -------------------------------------------------------------------------------------------

def _fill_version(version: LectureVersion, body: dict, class_ids: list[int] | None,
                  attachments: list[tuple[int, str]] | None) -> None:
    if "title" in body:
        version.title = _clean_title(body["title"])
        if not version.title:
            raise ValidationFailed(errors={"title": ["Tiêu đề không được để trống."]})
    if "description" in body:
        version.description = sanitize_html(body["description"] or "")
    if "visibility" in body:
        version.visibility = body["visibility"]
    if class_ids is not None:
        version.class_ids = class_ids
    if attachments is not None:
        version.attachments.clear()
        db.session.flush()  # the (version, position) keys are reused below
        for position, (media_id, title) in enumerate(attachments):
            version.attachments.append(LectureAttachment(position=position, media_id=media_id,
                                                         title=_clean_title(title)))
    version.updated_at = utcnow()


def _set_effective_audience(lecture: Lecture, version: LectureVersion) -> None:
    lecture.visibility = version.visibility
    wanted = set(version.class_ids or []) if version.visibility == "class" else set()
    for link in list(lecture.classes):
        if link.class_id not in wanted:
            lecture.classes.remove(link)
    have = {link.class_id for link in lecture.classes}
    for cid in sorted(wanted - have):
        lecture.classes.append(LectureClass(class_id=cid))


def create_lecture(user, body: dict) -> Lecture:
    """Create a draft lecture (version 1) owned by ``user``."""
    _check_classification(body["subject"], body["grade"], body.get("topic_id"))
    class_ids = _check_audience(user, user, body["visibility"], body.get("class_ids") or [])
    attachments = _attachment_rows(user, body, None) or []
    lecture = Lecture(owner_id=user.id, school_id=user.school_id, subject=body["subject"], grade=body["grade"],
                      topic_id=body.get("topic_id"), status="draft", licence_note=body.get("licence_note") or "",
                      practice_exam_id=body.get("practice_exam_id"), visibility=body["visibility"])
    db.session.add(lecture)
    db.session.flush()
    version = LectureVersion(lecture_id=lecture.id, number=1, created_by=user.id, title="", description="")
    db.session.add(version)
    _fill_version(version, {k: body[k] for k in ("title", "description", "visibility") if k in body}, class_ids,
                  attachments)
    db.session.flush()
    lecture.draft_version_id = version.id
    # Until something is published the draft's audience is the lecture's (it only matters for the owner).
    _set_effective_audience(lecture, version)
    media_api.claim([a.media_id for a in version.attachments], user)
    _changed(lecture.id, "created")
    return lecture


def _working_draft(user, lecture: Lecture) -> LectureVersion:
    """The version an edit goes into: the open draft, or a new one copied from the newest version."""
    if lecture.status == "in_review":
        raise Conflict("Bài giảng đang chờ duyệt; hãy đợi kết quả trước khi sửa.")
    draft = db.session.get(LectureVersion, lecture.draft_version_id) if lecture.draft_version_id else None
    if draft is not None and lecture.status == "draft":
        return draft
    # Published (no open draft) or rejected: the reviewed version stays as it was, for the audit trail.
    source = draft or db.session.get(LectureVersion, lecture.published_version_id)
    number = (db.session.scalar(select(func.max(LectureVersion.number))
                                .where(LectureVersion.lecture_id == lecture.id)) or 0) + 1
    new = LectureVersion(lecture_id=lecture.id, number=number, created_by=user.id, title=source.title,
                         description=source.description, visibility=source.visibility,
                         class_ids=list(source.class_ids or []))
    db.session.add(new)
    db.session.flush()
    for att in source.attachments:
        new.attachments.append(LectureAttachment(position=att.position, media_id=att.media_id, title=att.title))
    db.session.flush()
    lecture.draft_version_id = new.id
    lecture.status = "draft"
    return new


def update_lecture(user, lecture: Lecture, body: dict) -> Lecture:
    """Apply an edit. Content goes into the working draft; a published version stays until the draft is."""
    permissions.ensure_editable(user, lecture)
    owner = accounts_api.get_user(lecture.owner_id)
    if any(k in body for k in ("subject", "grade", "topic_id")):
        subject = body.get("subject", lecture.subject)
        grade = body.get("grade", lecture.grade)
        topic_id = body["topic_id"] if "topic_id" in body else lecture.topic_id
        if "topic_id" not in body and (subject != lecture.subject or grade != lecture.grade):
            topic_id = None  # a topic of another subject or grade would be wrong
        _check_classification(subject, grade, topic_id)
        lecture.subject, lecture.grade, lecture.topic_id = subject, grade, topic_id
    for name in ("licence_note", "practice_exam_id"):
        if name in body:
            setattr(lecture, name, body[name])
    if any(k in body for k in VERSION_FIELDS):
        draft = _working_draft(user, lecture)
        visibility = body.get("visibility", draft.visibility)
        class_ids = body.get("class_ids", draft.class_ids or [])
        class_ids = _check_audience(user, owner, visibility, class_ids)
        before = {a.media_id for a in draft.attachments}
        attachments = _attachment_rows(user, body, list(draft.attachments))
        _fill_version(draft, body, class_ids, attachments)
        added = [a.media_id for a in draft.attachments if a.media_id not in before]
        if added:
            media_api.claim(added, user)
        if not lecture.is_published:
            _set_effective_audience(lecture, draft)
        db.session.flush()
        _release_unused(before)
    lecture.updated_at = utcnow()
    _changed(lecture.id, "updated")
    return lecture


def _release_unused(media_ids) -> None:
    """Tell media that assets no lecture version refers to any more are free."""
    media_ids = set(media_ids)
    if not media_ids:
        return
    used = set(db.session.scalars(select(LectureAttachment.media_id).where(LectureAttachment.media_id.in_(media_ids))))
    unused = media_ids - used
    if unused:
        media_api.release(sorted(unused))


def _publish(lecture: Lecture, version: LectureVersion) -> None:
    lecture.published_version_id = version.id
    lecture.draft_version_id = None
    lecture.status = "published"
    lecture.published_at = utcnow()
    _set_effective_audience(lecture, version)


def submit_lecture(user, lecture: Lecture) -> Lecture:
    """Hand the draft on: to the department's review for the shared library, else publish it directly.

    Private, class and school lectures are the owner's responsibility, so their drafts are published at
    once; only the shared library is curated.
    """
    permissions.ensure_editable(user, lecture)
    if lecture.status == "in_review":
        raise Conflict("Bài giảng đã được gửi duyệt.")
    if lecture.draft_version_id is None or lecture.status == "published":
        raise Conflict("Không có bản nháp nào để gửi.")
    if lecture.status == "rejected":
        raise Conflict("Bản này đã bị từ chối; hãy sửa bài giảng rồi gửi lại.")
    draft = db.session.get(LectureVersion, lecture.draft_version_id)
    if not draft.attachments and not draft.description.strip():
        raise ValidationFailed(errors={"attachments": ["Bài giảng chưa có nội dung."]})
    lecture.submitted_at = utcnow()
    lecture.updated_at = utcnow()
    if draft.visibility == "shared":
        lecture.status = "in_review"
        _changed(lecture.id, "submitted")
    else:
        _publish(lecture, draft)
        _changed(lecture.id, "published")
    return lecture


def review_lecture(user, lecture: Lecture, decision: str, comment: str) -> Lecture:
    """The department approves (publishes) or rejects the submitted version, leaving an audit row."""
    permissions.ensure_reviewable(user, lecture)
    if lecture.status != "in_review":
        raise Conflict("Bài giảng không ở trạng thái chờ duyệt.")
    version = db.session.get(LectureVersion, lecture.draft_version_id)
    db.session.add(LectureReview(lecture_id=lecture.id, version_id=version.id, reviewer_id=user.id,
                                 decision=decision, comment=(comment or "").strip()))
    lecture.updated_at = utcnow()
    if decision == "approve":
        _publish(lecture, version)
        _changed(lecture.id, "published")
    else:
        lecture.status = "rejected"
        _changed(lecture.id, "rejected")
    return lecture


def delete_lecture(user, lecture: Lecture) -> None:
    """Delete a lecture with its versions, progress and collection entries; free its media."""
    permissions.ensure_editable(user, lecture)
    lecture_id = lecture.id
    media_ids = set(db.session.scalars(
        select(LectureAttachment.media_id).join(LectureVersion, LectureVersion.id == LectureAttachment.version_id)
        .where(LectureVersion.lecture_id == lecture_id)))
    # The lecture points at its versions and they at it: cut the pointers first so neither database
    # sees a dangling reference in the middle of the delete.
    lecture.published_version_id = None
    lecture.draft_version_id = None
    db.session.flush()
    for model in (LectureProgress, LectureCollectionItem, LectureReview):
        db.session.execute(model.__table__.delete().where(model.lecture_id == lecture_id))
    db.session.delete(lecture)
    db.session.flush()
    _release_unused(media_ids)
    lecture_changed.send(lecture_id, lecture_id=lecture_id, action="deleted")


def refresh_for_media(asset_id: int) -> list[int]:
    """Lectures using ``asset_id`` (for re-indexing when its processing finishes)."""
    ids = sorted(set(db.session.scalars(
        select(LectureVersion.lecture_id).join(LectureAttachment, LectureAttachment.version_id == LectureVersion.id)
        .where(LectureAttachment.media_id == asset_id))))
    for lecture_id in ids:
        lecture_changed.send(lecture_id, lecture_id=lecture_id, action="media")
    return ids


# Collections ----------------------------------------------------------------------------------------

def _collection_lectures(user, lecture_ids: list[int]) -> list[int]:
    if len(lecture_ids) != len(set(lecture_ids)):
        raise ValidationFailed(errors={"lecture_ids": ["Mỗi bài giảng chỉ xuất hiện một lần."]})
    bad = [lid for lid in lecture_ids if not permissions.can_view(user, db.session.get(Lecture, lid))]
    if bad:
        raise ValidationFailed(errors={"lecture_ids": [f"Không tìm thấy bài giảng {lid}." for lid in bad]})
    return lecture_ids


def _collection_fields(user, collection: LectureCollection, body: dict) -> None:
    if "title" in body:
        collection.title = _clean_title(body["title"])
        if not collection.title:
            raise ValidationFailed(errors={"title": ["Tiêu đề không được để trống."]})
    if "description" in body:
        collection.description = sanitize_html(body["description"] or "")
    if body.get("subject") is not None and curriculum_api.get_subject(body["subject"]) is None:
        raise ValidationFailed(errors={"subject": ["Môn học không tồn tại."]})
    for name in ("subject", "grade"):
        if name in body:
            setattr(collection, name, body[name])
    if "visibility" in body:
        if body["visibility"] == "school" and collection.school_id is None:
            raise ValidationFailed(errors={"visibility": ["Tài khoản không thuộc trường nào."]})
        collection.visibility = body["visibility"]
    if "featured" in body and body["featured"] != bool(collection.featured):
        if user.role != DEPARTMENT:
            raise ValidationFailed(errors={"featured": ["Chỉ chuyên viên phụ trách kho học liệu mới chọn bộ nổi bật."]})
        collection.featured = body["featured"]
    if "lecture_ids" in body:
        ids = _collection_lectures(user, body["lecture_ids"])
        collection.items.clear()
        db.session.flush()
        for position, lecture_id in enumerate(ids):
            collection.items.append(LectureCollectionItem(position=position, lecture_id=lecture_id))
    collection.updated_at = utcnow()


def create_collection(user, body: dict) -> LectureCollection:
    """A new collection owned by ``user``."""
    collection = LectureCollection(owner_id=user.id, school_id=user.school_id, title="", featured=False)
    db.session.add(collection)
    _collection_fields(user, collection, body)
    db.session.flush()
    return collection


def update_collection(user, collection: LectureCollection, body: dict) -> LectureCollection:
    """Edit a collection: the owner anything; the department only its ``featured`` flag on shared ones."""
    permissions.ensure_collection_visible(user, collection)
    if not permissions.can_edit_collection(user, collection):
        if not (user.role == DEPARTMENT and set(body) <= {"featured"} and collection.visibility == "shared"):
            raise Forbidden("Chỉ người tạo bộ bài giảng mới được sửa.")
    _collection_fields(user, collection, body)
    db.session.flush()
    return collection


def delete_collection(user, collection: LectureCollection) -> None:
    """Delete a collection (its lectures stay)."""
    permissions.ensure_collection_visible(user, collection)
    if not permissions.can_edit_collection(user, collection):
        raise Forbidden("Chỉ người tạo bộ bài giảng mới được xoá.")
    db.session.delete(collection)
    db.session.flush()


# Progress -------------------------------------------------------------------------------------------

def package_media(version: LectureVersion | None) -> list[dict]:
    """The ready interactive-package attachments of ``version`` as media.api dicts, in order."""
    return attached_media(version, ("package",), ready_only=True)


def score_10(score: float) -> Decimal:
    """A package score 0..1 on the 0..10 scale with one decimal, rounded half up (as gradebook scores are)."""
    return (Decimal(repr(float(score))) * 10).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _record_package(user, lecture: Lecture, info: dict, body: dict, now: datetime) -> dict:
    """A package runtime's report: completion is sticky, the best score counts (as Moodle's "highest")."""
    row = progress_row(lecture.id, user.id, info["id"], now)
    if body.get("completed") and not row.completed:
        row.completed, row.completed_at = True, now
        row.watched_ratio = 1.0
    score = body.get("score")
    improved = score is not None and (row.score is None or score > row.score)
    if improved:
        row.score = float(score)
    if body.get("position_s") is not None:
        row.position_s = float(body["position_s"])
    row.last_report_at = now
    db.session.flush()
    if improved:
        # The gradebook posts it in this transaction when the teacher counts the package into a column.
        signals.package_scored.send(lecture.id, lecture_id=lecture.id, media_id=info["id"], student_id=user.id,
                                    score_10=score_10(row.score))
    overall = lecture_progress_for(lecture, user.id)
    return {"lecture_id": lecture.id, "media_id": info["id"], "position_s": row.position_s,
            "watched_ratio": row.watched_ratio, "completed": row.completed, "score": row.score,
            "lecture_watched_ratio": overall["watched_ratio"], "lecture_completed": overall["completed"]}


def playable_media(version: LectureVersion | None) -> list[dict]:
    """The video/audio attachments of ``version`` as media.api dicts, in order."""
    return attached_media(version, PLAYABLE_KINDS)


def record_progress(user, lecture: Lecture, body: dict, now: datetime | None = None) -> dict:
    """Merge a player's report into the student's progress on one video; return the new state."""
    permissions.ensure_visible(user, lecture)
    version = permissions.readable_version(user, lecture, "published")
    now = now or utcnow()
    if body.get("media_id") is not None:
        package = next((p for p in package_media(version) if p["id"] == body["media_id"]), None)
        if package is not None:
            return _record_package(user, lecture, package, body, now)
        document = next((d for d in reading.document_media(version) if d["id"] == body["media_id"]), None)
        if document is not None:
            row = reading.record(user, lecture, document, body, now)
            overall = lecture_progress_for(lecture, user.id)
            return {"lecture_id": lecture.id, "media_id": document["id"], "position_s": row.position_s,
                    "watched_ratio": row.watched_ratio, "completed": row.completed,
                    "lecture_watched_ratio": overall["watched_ratio"], "lecture_completed": overall["completed"]}
    media = playable_media(version)
    if not media:
        raise Conflict("Bài giảng chưa có video để theo dõi tiến độ.")
    if body.get("position_s") is None:
        raise ValidationFailed(errors={"position_s": ["Thiếu vị trí đang xem (giây)."]})
    if body.get("media_id") is None:
        info = media[0]
    else:
        info = next((m for m in media if m["id"] == body["media_id"]), None)
        if info is None:
            raise ValidationFailed(errors={"media_id": ["Video không thuộc bài giảng này."]})
    duration = info.get("duration_s")
    if not duration or duration <= 0:
        raise Conflict("Video chưa xử lý xong nên chưa tính được tiến độ.")
    row = db.session.scalar(select(LectureProgress).where(
        LectureProgress.lecture_id == lecture.id, LectureProgress.student_id == user.id,
        LectureProgress.media_id == info["id"]))
    if row is None:
        row = LectureProgress(lecture_id=lecture.id, student_id=user.id, media_id=info["id"], watched=[],
                              watched_s=0.0, position_s=0.0, completed=False, seen_s=0.0, created_at=now)
        db.session.add(row)
    # Time in front of the lecture is counted from the viewer's previous report on any of its videos, so
    # reporting on two videos at once does not double it (see lectures.watching).
    last_seen = db.session.scalar(select(func.max(LectureProgress.last_report_at)).where(
        LectureProgress.lecture_id == lecture.id, LectureProgress.student_id == user.id))
    since = (now - last_seen).total_seconds() if last_seen else None
    row.seen_s = watching.seen_after_report(row.seen_s or 0.0, since)
    result = watching.merge(row.watched or [], body.get("watched") or [], float(duration),
                            budget_s=watching.report_budget(row.seen_s, row.watched_s or 0.0))
    row.watched = [list(span) for span in result.intervals]
    row.watched_s = result.watched_s
    row.duration_s = float(duration)
    row.watched_ratio = watching.ratio(result.watched_s, float(duration))
    row.position_s = watching.clamp_position(body.get("position_s"), float(duration))
    threshold = completion_ratio()
    if not row.completed and watching.is_complete(row.watched_ratio, threshold):
        row.completed = True
        row.completed_at = now
    row.last_report_at = now
    db.session.flush()
    overall = lecture_progress_for(lecture, user.id, media)
    return {"lecture_id": lecture.id, "media_id": info["id"], "position_s": row.position_s,
            "watched_ratio": row.watched_ratio, "completed": row.completed,
            "lecture_watched_ratio": overall["watched_ratio"], "lecture_completed": overall["completed"]}


def lecture_progress_for(lecture: Lecture, student_id: int, media: list[dict] | None = None,
                         rows: list[LectureProgress] | None = None, packages: list[dict] | None = None,
                         documents: list[dict] | None = None) -> dict:
    """One student's progress over every video of the published version (duration-weighted), its
    interactive packages (completion, best score) and its PDFs (page, last page reached); the lecture is
    completed when all of them are (a PDF whose page count is unknown is not judged)."""
    published = None
    if media is None or packages is None or documents is None:
        published = (db.session.get(LectureVersion, lecture.published_version_id)
                     if lecture.published_version_id else None)
    if media is None:
        media = playable_media(published)
    if packages is None:
        packages = package_media(published)
    if documents is None:
        documents = reading.document_media(published)
    if rows is None:
        rows = list(db.session.scalars(select(LectureProgress).where(
            LectureProgress.lecture_id == lecture.id, LectureProgress.student_id == student_id)))
    by_media = {r.media_id: r for r in rows}
    total_duration = watched = 0.0
    per_media = []
    last = None
    position = 0.0
    for info in media:
        duration = float(info.get("duration_s") or 0)
        row = by_media.get(info["id"])
        total_duration += duration
        if row is not None:
            watched += min(row.watched_s, duration) if duration else 0.0
            if last is None or (row.last_report_at and row.last_report_at > last):
                last, position = row.last_report_at, row.position_s
        per_media.append({"media_id": info["id"], "position_s": row.position_s if row else 0.0,
                          "watched_ratio": row.watched_ratio if row else 0.0,
                          "completed": bool(row and row.completed)})
    per_package = []
    for info in packages:
        row = by_media.get(info["id"])
        if row is not None and row.last_report_at and (last is None or row.last_report_at > last):
            last = row.last_report_at
        per_package.append({"media_id": info["id"], "completed": bool(row and row.completed),
                            "score": row.score if row else None})
    per_document = reading.per_document(documents, by_media)
    for info in documents:
        row = by_media.get(info["id"])
        if row is not None and row.last_report_at and (last is None or row.last_report_at > last):
            last = row.last_report_at
    judged = [d for d in per_document if d["pages"]]
    ratio = watching.ratio(watched, total_duration)
    if not per_media and (per_package or judged):
        # A lecture without video: the share of packages and PDFs finished stands for "watched".
        ratio = sum(p["completed"] for p in per_package + judged) / len(per_package + judged)
    parts = per_media + per_package + judged
    completed = bool(parts) and all(m["completed"] for m in parts)
    return {"watched_ratio": ratio, "completed": completed, "position_s": position, "last_watched_at": last,
            "media": per_media, "packages": per_package, "documents": per_document}


def progress_report(user, lecture: Lecture, class_id: int | None) -> dict:
    """Student: their own progress. Teacher/admin: every student of ``class_id`` (those without any too)."""
    permissions.ensure_visible(user, lecture)
    published = (db.session.get(LectureVersion, lecture.published_version_id)
                 if lecture.published_version_id else None)
    media, packages = playable_media(published), package_media(published)
    documents = reading.document_media(published)
    if user.role == "student":
        students = [user]
        class_id = None
    else:
        if class_id is None:
            raise ValidationFailed(errors={"class_id": ["Chọn lớp để xem tiến độ."]})
        klass = accounts_api.get_class(class_id)
        if klass is None or (user.role != ADMIN and class_id not in accounts_api.taught_class_ids(user.id)):
            raise NotFound("Không tìm thấy lớp.")
        students = accounts_api.class_students(class_id)
    ids = [s.id for s in students]
    rows = list(db.session.scalars(select(LectureProgress).where(
        LectureProgress.lecture_id == lecture.id, LectureProgress.student_id.in_(ids or [-1]))))
    by_student: dict[int, list[LectureProgress]] = {}
    for row in rows:
        by_student.setdefault(row.student_id, []).append(row)
    items = []
    for student in students:
        state = lecture_progress_for(lecture, student.id, media, by_student.get(student.id, []), packages,
                                     documents)
        items.append({"student_id": student.id, "full_name": student.full_name, "position_s": state["position_s"],
                      "watched_ratio": state["watched_ratio"], "completed": state["completed"],
                      "last_watched_at": state["last_watched_at"], "media": state["media"],
                      "packages": state["packages"], "documents": state["documents"]})
    return {"lecture_id": lecture.id, "class_id": class_id, "completion_ratio": completion_ratio(), "items": items}
