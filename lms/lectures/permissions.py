"""Who may see, edit and review a lecture: the one place routes, pages, media access and search ask.

The rules are written once, as *grants*: a list of clauses, each an AND of tests on a lecture's fields
(``owner_id``, ``published``, ``status``, ``visibility``, ``school_id``, ``class_ids``). A user sees a
lecture when any clause holds. Three interpreters read the same grants: :func:`can_view` (one object),
:func:`visible_filter` (SQL for lists) and :func:`search_allow_clauses` (lms.search.documents ``Allow``).

- private  -> owner (and admins, who see everything);
- class    -> owner, students enrolled in one of its classes, teachers of those classes;
- school   -> everyone whose school is the lecture's school;
- shared   -> everyone signed in;
all of these only once a version is published (students only ever read published versions); the
department also sees lectures waiting for (or refused by) its review.
"""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select, true

from lms.accounts import api as accounts_api
from lms.core.errors import NotFound
from lms.core.permissions import ADMIN, DEPARTMENT, STUDENT, TEACHER, require

from .models import Lecture, LectureClass, LectureCollection, LectureVersion

#: Workflow states in which the department reads the submitted (unpublished) version.
REVIEW_STATES = ("in_review", "rejected")
ALL = "all"


def _audience_class_ids(user) -> set[int]:
    if user.role == STUDENT:
        return accounts_api.student_class_ids(user.id)
    if user.role == TEACHER:
        return accounts_api.taught_class_ids(user.id)
    return set()


def grants(user) -> list[dict] | str:
    """The visibility rules for ``user`` as clauses (see the module docstring); ``ALL`` for admins."""
    if user is None:
        return []
    if user.role == ADMIN:
        return ALL
    clauses: list[dict] = [{"owner_id": user.id},
                           {"published": True, "visibility": "shared"}]
    if user.school_id is not None:
        clauses.append({"published": True, "visibility": "school", "school_id": user.school_id})
    class_ids = _audience_class_ids(user)
    if class_ids:
        clauses.append({"published": True, "visibility": "class", "class_ids": sorted(class_ids)})
    if user.role == DEPARTMENT:
        clauses.append({"status": list(REVIEW_STATES)})
    return clauses


def _facts(lecture: Lecture) -> dict:
    return {"owner_id": lecture.owner_id, "published": lecture.is_published, "status": lecture.status,
            "visibility": lecture.visibility, "school_id": lecture.school_id, "class_ids": lecture.class_ids}


def _holds(clause: dict, facts: dict) -> bool:
    for name, wanted in clause.items():
        have = facts[name]
        if name == "class_ids":
            if not set(have) & set(wanted):
                return False
        elif isinstance(wanted, list):
            if have not in wanted:
                return False
        elif have != wanted:
            return False
    return True


def can_view(user, lecture: Lecture | None) -> bool:
    """May ``user`` open ``lecture`` at all (which version they read is :func:`readable_version`)."""
    if lecture is None or user is None:
        return False
    rules = grants(user)
    if rules == ALL:
        return True
    facts = _facts(lecture)
    return any(_holds(clause, facts) for clause in rules)


def _sql(clause: dict):
    parts = []
    for name, wanted in clause.items():
        if name == "published":
            column = Lecture.published_version_id
            parts.append(column.is_not(None) if wanted else column.is_(None))
        elif name == "class_ids":
            parts.append(Lecture.id.in_(select(LectureClass.lecture_id).where(LectureClass.class_id.in_(wanted))))
        elif isinstance(wanted, list):
            parts.append(getattr(Lecture, name).in_(wanted))
        else:
            parts.append(getattr(Lecture, name) == wanted)
    return and_(*parts)


def visible_filter(user):
    """A SQL condition on ``Lecture`` selecting exactly what :func:`can_view` allows."""
    rules = grants(user)
    if rules == ALL:
        return true()
    if not rules:
        return false()
    return or_(*[_sql(clause) for clause in rules])


def search_allow_clauses(user) -> list[dict]:
    """The same rules as lms.search.documents ``Allow`` clauses over lecture index documents.

    Index documents carry ``status="published"`` when a version is published (see ``api.index_documents``),
    otherwise the workflow status, so ``published`` maps onto ``status``.
    """
    rules = grants(user)
    if rules == ALL:
        return [{"type": "lecture"}]
    out = []
    for clause in rules:
        doc = {"type": "lecture"}
        for name, wanted in clause.items():
            if name == "published":
                doc["status"] = "published"
            elif name == "class_ids":
                doc["class_ids"] = [str(c) for c in wanted]
            elif isinstance(wanted, list):
                doc[name] = [str(w) for w in wanted]
            else:
                doc[name] = str(wanted)
        out.append(doc)
    return out


def can_edit(user, lecture: Lecture) -> bool:
    """The owner (and admins) change, submit and delete a lecture."""
    return user is not None and (user.role == ADMIN or lecture.owner_id == user.id)


def can_review(user) -> bool:
    """Department users curate the shared library."""
    return user is not None and user.role == DEPARTMENT


def sees_drafts(user, lecture: Lecture) -> bool:
    """Owner and admins read the working draft; the department reads a submitted one."""
    if can_edit(user, lecture):
        return True
    return can_review(user) and lecture.status in REVIEW_STATES


def sees_history(user, lecture: Lecture) -> bool:
    """The review trail and version list: owner, admins and the department."""
    return can_edit(user, lecture) or can_review(user)


def readable_version(user, lecture: Lecture, which: str = "current") -> LectureVersion | None:
    """The version ``user`` reads: ``current`` is the draft for those who see drafts, else the published one.

    ``published`` asks for the published version, ``draft`` for the draft (None when not allowed or absent).
    """
    from lms.core.db import db

    published = db.session.get(LectureVersion, lecture.published_version_id) if lecture.published_version_id else None
    draft = db.session.get(LectureVersion, lecture.draft_version_id) if lecture.draft_version_id else None
    if which == "published":
        return published
    if not sees_drafts(user, lecture):
        return published if which == "current" else None
    if which == "draft":
        return draft
    return draft or published


def readable_version_ids(user, lecture: Lecture) -> set[int]:
    """Every version of ``lecture`` whose attachments ``user`` may open."""
    if not can_view(user, lecture):
        return set()
    if can_edit(user, lecture):
        return {v.id for v in lecture.versions}
    ids = {lecture.published_version_id} if lecture.published_version_id else set()
    if sees_drafts(user, lecture) and lecture.draft_version_id:
        ids.add(lecture.draft_version_id)
    return ids


def ensure_visible(user, lecture: Lecture | None) -> Lecture:
    """``lecture`` if ``user`` may see it, else NotFound (also for missing ones), so ids do not leak."""
    if not can_view(user, lecture):
        raise NotFound("Không tìm thấy bài giảng.")
    return lecture


def ensure_editable(user, lecture: Lecture | None) -> Lecture:
    """``lecture`` if ``user`` may change it; NotFound when invisible, Forbidden when only visible."""
    ensure_visible(user, lecture)
    require(can_edit(user, lecture), "Chỉ người tạo bài giảng mới được sửa, gửi duyệt hoặc xoá.")
    return lecture


def ensure_reviewable(user, lecture: Lecture | None) -> Lecture:
    """``lecture`` if the department may decide on it."""
    ensure_visible(user, lecture)
    require(can_review(user), "Chỉ chuyên viên phụ trách kho học liệu mới được duyệt.")
    return lecture


# Collections -----------------------------------------------------------------------------------------

def can_view_collection(user, collection: LectureCollection | None) -> bool:
    """private -> owner; school -> the owner's school; shared -> everyone signed in (admins: all)."""
    if collection is None or user is None:
        return False
    if user.role == ADMIN or collection.owner_id == user.id:
        return True
    if collection.visibility == "shared":
        return True
    return collection.visibility == "school" and user.school_id is not None \
        and user.school_id == collection.school_id


def collection_filter(user):
    """SQL condition on ``LectureCollection`` matching :func:`can_view_collection`."""
    if user.role == ADMIN:
        return true()
    parts = [LectureCollection.owner_id == user.id, LectureCollection.visibility == "shared"]
    if user.school_id is not None:
        parts.append(and_(LectureCollection.visibility == "school", LectureCollection.school_id == user.school_id))
    return or_(*parts)


def ensure_collection_visible(user, collection: LectureCollection | None) -> LectureCollection:
    if not can_view_collection(user, collection):
        raise NotFound("Không tìm thấy bộ bài giảng.")
    return collection


def can_edit_collection(user, collection: LectureCollection) -> bool:
    """Owner and admins edit a collection; the department may also (un)feature shared ones."""
    return user.role == ADMIN or collection.owner_id == user.id
