"""Who may see, use, edit and review which question: the one place these rules live.

Routes, pages, the exam-facing ``api.py`` and the search filter all ask here. Students see nothing of the
bank (the routes refuse their role outright); what a caller may not see is reported as NotFound so that the
existence of another teacher's draft does not leak.
"""
from __future__ import annotations

from sqlalchemy import and_, false, or_, select

from lms.core.db import db
from lms.core.errors import NotFound
from lms.core.permissions import ADMIN, DEPARTMENT, STUDENT, TEACHER, require

from .models import Question, QuestionMedia


def visible_clause(user):
    """A SQL condition on Question for the rows ``user`` may see in the bank (deleted rows excluded)."""
    alive = Question.deleted_at.is_(None)
    if user is None or user.role == STUDENT:
        return false()
    if user.role == ADMIN:
        return alive
    own = Question.owner_id == user.id
    shared_published = and_(Question.scope == "shared", Question.status == "published")
    if user.role == DEPARTMENT:
        return and_(alive, or_(own, Question.scope == "shared"))
    school = and_(Question.scope == "school", Question.status == "published",
                  Question.school_id == user.school_id) if user.school_id else false()
    return and_(alive, or_(own, shared_published, school))


def usable_clause(user):
    """A SQL condition for the questions ``user`` may put into an exam: own ones in any state, otherwise only
    published ones (a department user does not build exams from the review queue)."""
    if user is None or user.role == STUDENT:
        return false()
    if user.role == ADMIN:
        return Question.deleted_at.is_(None)
    return and_(visible_clause(user), or_(Question.owner_id == user.id, Question.status == "published"))


def can_see(user, question: Question | None) -> bool:
    """True if ``user`` may read ``question`` (with its keys: every viewer is staff)."""
    if question is None or question.deleted_at is not None or user is None:
        return False
    if user.role == ADMIN:
        return True
    if user.role == STUDENT:
        return False
    if question.owner_id == user.id:
        return True
    if user.role == DEPARTMENT:
        return question.scope == "shared"
    if question.status != "published":
        return False
    if question.scope == "shared":
        return True
    return question.scope == "school" and user.school_id is not None and question.school_id == user.school_id


def can_use(user, question: Question | None) -> bool:
    """True if ``user`` may use ``question`` in an exam or paper."""
    if not can_see(user, question):
        return False
    return user.role == ADMIN or question.owner_id == user.id or question.status == "published"


def can_edit(user, question: Question) -> bool:
    """Owners edit their own; the department curates (and may correct) the shared bank; admins anything."""
    if user.role == ADMIN or question.owner_id == user.id:
        return True
    return user.role == DEPARTMENT and question.scope == "shared"


def can_review(user, question: Question) -> bool:
    """The department (or an admin) decides on shared questions waiting in the review queue."""
    return user.role in (DEPARTMENT, ADMIN) and question.scope == "shared"


def ensure_visible(user, question: Question | None) -> Question:
    """Return ``question`` or raise NotFound when the caller may not see it."""
    if not can_see(user, question):
        raise NotFound("Không tìm thấy câu hỏi.")
    return question


def ensure_editable(user, question: Question | None) -> Question:
    """NotFound for what the caller cannot see, 403 for what they can see but not change."""
    ensure_visible(user, question)
    require(can_edit(user, question), "Chỉ người soạn (hoặc tổ chuyên môn với câu hỏi dùng chung) mới được sửa.")
    return question


def ensure_owner(user, question: Question | None) -> Question:
    """Submitting for review is the author's act (an admin may act for them)."""
    ensure_visible(user, question)
    require(user.role == ADMIN or question.owner_id == user.id, "Chỉ người soạn mới gửi duyệt được câu hỏi này.")
    return question


def ensure_reviewable(user, question: Question | None) -> Question:
    """NotFound for what the caller cannot see, 403 unless the caller curates the shared bank."""
    ensure_visible(user, question)
    require(can_review(user, question), "Chỉ tổ chuyên môn / Sở GD&ĐT mới duyệt câu hỏi dùng chung.")
    return question


def search_allow_clauses(user) -> list[dict]:
    """The visibility above as lms.search.documents.Allow clauses (plain dicts); students get none.

    Index documents carry ``visibility`` personal->"private", school->"school", shared->"shared" and the
    question's ``status``; deleted questions are never indexed, so no clause needs to exclude them.
    """
    if user is None or user.role not in (ADMIN, DEPARTMENT, TEACHER):
        return []
    if user.role == ADMIN:
        return [{"type": "question"}]
    clauses = [{"type": "question", "owner_id": str(user.id)}]
    if user.role == DEPARTMENT:
        clauses.append({"type": "question", "visibility": "shared"})
        return clauses
    clauses.append({"type": "question", "visibility": "shared", "status": "published"})
    if user.school_id:
        clauses.append({"type": "question", "visibility": "school", "status": "published",
                        "school_id": str(user.school_id)})
    return clauses


def may_view_media(user, asset_id: int) -> bool:
    """Media access hook: an image used in a question is visible to whoever may see that question."""
    question_ids = db.session.scalars(select(QuestionMedia.question_id).where(QuestionMedia.asset_id == asset_id))
    return any(can_see(user, db.session.get(Question, qid)) for qid in question_ids)


__all__ = ["visible_clause", "usable_clause", "can_see", "can_use", "can_edit", "can_review", "ensure_visible",
           "ensure_editable", "ensure_owner", "ensure_reviewable", "search_allow_clauses",
           "may_view_media"]
