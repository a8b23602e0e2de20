"""Lecture use cases: create, edit (versioning), submit, review, publish and delete a lecture.

Services take the acting user, check object rules through ``permissions``, flush and send ``lecture_changed``;
they never commit (the request or job does, once). Collections live in ``collections``, a student's progress
on a lecture in ``progress``.
"""
from __future__ import annotations

from question_bank.content import sanitize_html
from sqlalchemy import func, select

import media.api as media_api
from lms.accounts import api as accounts_api
from lms.core.db import db, utcnow
from lms.core.errors import Conflict, ValidationFailed
from lms.core.permissions import ADMIN
from lms.curriculum import api as curriculum_api

from . import permissions
from .models import (
    Lecture,
    LectureAttachment,
    LectureClass,
    LectureCollectionItem,
    LectureProgress,
    LectureReview,
    LectureVersion,
)
from .signals import lecture_changed

#: Fields that live on the lecture identity and change at once (not versioned).
IDENTITY_FIELDS = ("subject", "grade", "topic_id", "licence_note", "practice_exam_id")
#: Fields that belong to a version.
VERSION_FIELDS = ("title", "description", "visibility", "class_ids", "attachments", "media_ids")


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


def clean_title(title: str) -> str:
    """A title with its runs of whitespace made single spaces and its ends trimmed (lectures and collections)."""
    return " ".join(title.split())


def required_title(title: str) -> str:
    """``clean_title``, refused (422 on ``title``) when nothing is left."""
    cleaned = clean_title(title)
    if not cleaned:
        raise ValidationFailed(errors={"title": ["Tiêu đề không được để trống."]})
    return cleaned


# Lectures -------------------------------------------------------------------------------------------

def _fill_version(version: LectureVersion, body: dict, class_ids: list[int] | None,
                  attachments: list[tuple[int, str]] | None) -> None:
    if "title" in body:
        version.title = required_title(body["title"])
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
                                                         title=clean_title(title)))
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
