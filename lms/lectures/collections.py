"""Lecture collections (bộ bài giảng): an author's ordered set of lectures; the department features shared ones.

Like ``services``, these take the acting user, check object rules through ``permissions``, flush and never commit.
"""
from __future__ import annotations

from question_bank.content import sanitize_html

from lms.core.db import db, utcnow
from lms.core.errors import Forbidden, ValidationFailed
from lms.core.permissions import DEPARTMENT
from lms.curriculum import api as curriculum_api

from . import permissions
from .models import Lecture, LectureCollection, LectureCollectionItem
from .services import required_title


def _collection_lectures(user, lecture_ids: list[int]) -> list[int]:
    if len(lecture_ids) != len(set(lecture_ids)):
        raise ValidationFailed(errors={"lecture_ids": ["Mỗi bài giảng chỉ xuất hiện một lần."]})
    bad = [lid for lid in lecture_ids if not permissions.can_view(user, db.session.get(Lecture, lid))]
    if bad:
        raise ValidationFailed(errors={"lecture_ids": [f"Không tìm thấy bài giảng {lid}." for lid in bad]})
    return lecture_ids


def _collection_fields(user, collection: LectureCollection, body: dict) -> None:
    if "title" in body:
        collection.title = required_title(body["title"])
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
