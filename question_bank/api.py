"""What other packages may ask of the question bank (exams, search, lectures). Import only this module.

Versions are handed out as frozen :class:`VersionData` (plain data, teacher body *with* keys); building what a
student may see is the caller's job through :func:`student_view`, which structurally drops every key. The
pure helpers (scoring, blueprint fill, paper versions, DOCX papers) are re-exported so callers need one import.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select

from lms.core.db import db, utcnow
from lms.core.errors import NotFound

from . import permissions
from .assembly import answer_key as paper_answer_key
from .assembly import fill_blueprint, make_paper_versions, shuffle_for_attempt
from .content import plain_text
from .errors import AnswerFormatError, AssemblyError, BlueprintShortage
from .formats.docx import build_paper
from .models import Question, QuestionVersion
from .scoring import BLUEPRINT_PRESETS, EXAM_PRESETS, points_for
from .types import answer_key as answer_key_for
from .types import answer_feedback, check_answer, correct_answer, score, student_view

__all__ = [
    "VersionData", "get_version", "get_versions", "latest_versions", "blueprint_candidates", "mark_versions_used",
    "topic_names", "search_allow_clauses", "index_documents",
    "student_view", "check_answer", "score", "correct_answer", "answer_feedback",
    "answer_key_for", "points_for", "EXAM_PRESETS",
    "BLUEPRINT_PRESETS", "fill_blueprint", "shuffle_for_attempt", "make_paper_versions", "paper_answer_key",
    "build_paper", "BlueprintShortage", "AssemblyError", "AnswerFormatError",
]

#: Index document ``visibility`` for each question scope (lms.search.documents vocabulary).
VISIBILITY_OF_SCOPE = {"personal": "private", "school": "school", "shared": "shared"}
TITLE_CHARS = 120


@dataclass(frozen=True)
class VersionData:
    """One immutable question version with its classification. ``body`` is the teacher body WITH keys and
    explanation: never send it to a student; use ``student_view(body)``."""

    question_id: int
    version: int
    type: str
    body: dict
    subject: str
    grade: int
    topic_id: int | None
    level: str
    status: str


def _data(question: Question, version: QuestionVersion) -> VersionData:
    return VersionData(question_id=question.id, version=version.version, type=version.body["type"],
                       body=dict(version.body), subject=question.subject_code, grade=question.grade,
                       topic_id=question.topic_id, level=question.level, status=question.status)


def get_version(question_id: int, version: int) -> VersionData:
    """The given version of a question, deleted or not (attempts keep working); NotFound if it never existed."""
    row = db.session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question_id,
                                                          QuestionVersion.version == version))
    if row is None:
        raise NotFound(f"Không tìm thấy câu hỏi {question_id} (phiên bản {version}).")
    return _data(row.question, row)


def get_versions(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], VersionData]:
    """Many versions at once, keyed by ``(question_id, version)``; pairs that do not exist are left out."""
    wanted = {(int(q), int(v)) for q, v in pairs}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(QuestionVersion, Question).join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.question_id.in_({q for q, _ in wanted}))).all()
    return {(q.id, v.version): _data(q, v) for v, q in rows if (q.id, v.version) in wanted}


def latest_versions(user, question_ids: Iterable[int]) -> list[VersionData]:
    """The current version of each question, in the order given, for building an exam by ``user``.

    Raises NotFound naming the first id the user may not use (someone else's draft, deleted, unknown).
    """
    ids = [int(i) for i in question_ids]
    if not ids:
        return []
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(set(ids))))}
    out = []
    for qid in ids:
        question = questions.get(qid)
        if not permissions.can_use(user, question):
            raise NotFound(f"Không tìm thấy câu hỏi {qid} hoặc bạn không được dùng câu hỏi này.")
        version = db.session.scalar(select(QuestionVersion).where(
            QuestionVersion.question_id == qid, QuestionVersion.version == question.current_version))
        out.append(_data(question, version))
    return out


def blueprint_candidates(user, subject: str, grade: int) -> list[dict]:
    """Latest versions the user may use for a blueprint of ``subject``/``grade``:
    ``[{id, version, topic_id, level, type}]`` (own questions, school published, shared published)."""
    rows = db.session.scalars(select(Question).where(permissions.usable_clause(user),
                                                     Question.subject_code == subject, Question.grade == grade)
                              .order_by(Question.id))
    return [{"id": q.id, "version": q.current_version, "topic_id": q.topic_id, "level": q.level, "type": q.qtype}
            for q in rows]


def mark_versions_used(pairs: Iterable[tuple[int, int]]) -> None:
    """Stamp ``used_at`` on versions an attempt or paper now depends on (first use only); flushes."""
    wanted = {(int(q), int(v)) for q, v in pairs}
    if not wanted:
        return
    rows = db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.question_id.in_({q for q, _ in wanted}), QuestionVersion.used_at.is_(None)))
    now = utcnow()
    for row in rows:
        if (row.question_id, row.version) in wanted:
            row.used_at = now
    db.session.flush()


def topic_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Names of curriculum topics by id (for blueprint messages and paper headers); unknown ids are left out."""
    from lms.curriculum.api import get_topic

    names = {}
    for topic_id in {i for i in ids if i is not None}:
        topic = get_topic(int(topic_id))
        if topic is not None:
            names[int(topic_id)] = topic["name"]
    return names


def search_allow_clauses(user) -> list[dict]:
    """Question visibility as lms.search.documents.Allow clauses (students: [], so they never see the bank)."""
    return permissions.search_allow_clauses(user)


def _student_texts(body: dict) -> list[str]:
    # Built from the student view so that no correctness (flags, answers, pair order) can reach the index body.
    view = student_view(body)
    texts = [view.get("stem") or "", view.get("text") or ""]
    for key in ("options", "statements", "items", "lefts", "rights"):
        texts.extend(entry.get("text") or "" for entry in view.get(key) or [])
    return [t for t in texts if t]


def index_documents(question_ids: Iterable[int] | None = None) -> Iterator[dict]:
    """Search documents (lms.search.documents shape) for the given questions, or all; deleted ones are skipped.

    ``body`` holds the stem and option texts without correctness; the explanation goes to ``teacher_only``.
    """
    stmt = select(Question).where(Question.deleted_at.is_(None)).order_by(Question.id)
    if question_ids is not None:
        ids = {int(i) for i in question_ids}
        if not ids:
            return
        stmt = stmt.where(Question.id.in_(ids))
    for question in db.session.scalars(stmt):
        version = db.session.scalar(select(QuestionVersion).where(
            QuestionVersion.question_id == question.id, QuestionVersion.version == question.current_version))
        body = version.body
        title = plain_text(body.get("stem") or body.get("text") or "")
        if len(title) > TITLE_CHARS:
            title = title[:TITLE_CHARS - 1].rstrip() + "…"
        yield {
            "type": "question", "obj_id": question.id, "title": title,
            "body": "\n".join(_student_texts(body)), "teacher_only": body.get("explanation") or None,
            "subject": question.subject_code, "grade": question.grade, "level": question.level,
            "status": question.status, "qtype": question.qtype,
            "visibility": VISIBILITY_OF_SCOPE[question.scope], "owner_id": question.owner_id,
            "school_id": question.school_id, "class_ids": [], "audience": "staff",
            "updated_at": question.updated_at,
        }


def monthly_growth(since, zone: str) -> dict[str, dict[str, int]]:
    """Questions written per local calendar month since ``since``: ``{"2026-11": {"created": n, "shared": m}}``,
    ``shared`` counting those approved into the department's bank that month. Deleted questions are left out."""
    from sqlalchemy import func

    from lms.core.db import month_key

    from .models import QuestionAudit

    out: dict[str, dict[str, int]] = {}
    month = month_key(Question.created_at, zone)
    for key, count in db.session.execute(select(month, func.count()).where(
            Question.created_at >= since, Question.deleted_at.is_(None)).group_by(month)):
        out.setdefault(key, {"created": 0, "shared": 0})["created"] = count
    month = month_key(QuestionAudit.at, zone)
    for key, count in db.session.execute(select(month, func.count()).where(
            QuestionAudit.at >= since, QuestionAudit.action == "approved").group_by(month)):
        out.setdefault(key, {"created": 0, "shared": 0})["shared"] = count
    return out


def review_figures(since) -> dict:
    """The shared-bank review queue: ``{backlog, oldest_submitted_at, reviews: [(submitted_at, reviewed_at,
    decision)]}``, each review since ``since`` paired with the submission it answered (the latest one before it)."""
    from sqlalchemy import func

    from .models import QuestionAudit

    backlog = db.session.scalar(select(func.count()).select_from(Question).where(
        Question.status == "in_review", Question.deleted_at.is_(None))) or 0
    rows = db.session.execute(select(QuestionAudit.question_id, QuestionAudit.action, QuestionAudit.at).where(
        QuestionAudit.action.in_(("submitted", "approved", "rejected")),
        QuestionAudit.question_id.in_(select(QuestionAudit.question_id).where(
            QuestionAudit.at >= since, QuestionAudit.action.in_(("approved", "rejected")))))
        .order_by(QuestionAudit.question_id, QuestionAudit.at, QuestionAudit.id)).all()
    reviews, pending = [], {}
    for question_id, action, at in rows:
        if action == "submitted":
            pending[question_id] = at
        elif question_id in pending and at >= since:
            reviews.append((pending.pop(question_id), at, "approve" if action == "approved" else "reject"))
    oldest = db.session.scalar(select(func.min(QuestionAudit.at)).where(
        QuestionAudit.action == "submitted",
        QuestionAudit.question_id.in_(select(Question.id).where(Question.status == "in_review"))))
    return {"backlog": backlog, "oldest_submitted_at": oldest if backlog else None, "reviews": reviews}


def counts_by_school() -> dict[int | None, dict[str, int]]:
    """Questions per author's school: ``{school_id: {"total": n, "shared": m}}``, ``shared`` being those
    published in the department's bank. Deleted questions are left out."""
    from sqlalchemy import case, func

    shared = func.sum(case((Question.scope == "shared", case((Question.status == "published", 1), else_=0)),
                           else_=0))
    rows = db.session.execute(select(Question.school_id, func.count(), shared)
                              .where(Question.deleted_at.is_(None)).group_by(Question.school_id))
    return {school_id: {"total": total, "shared": int(in_bank or 0)} for school_id, total, in_bank in rows}


def question_review_state(question_id: int) -> dict | None:
    """``{id, owner_id, status, version, review_comment, title}`` of a question for its author's notices, or None."""
    question = db.session.get(Question, question_id)
    if question is None:
        return None
    return {"id": question.id, "owner_id": question.owner_id, "status": question.status,
            "version": question.current_version, "review_comment": question.review_comment,
            "title": (question.search_text or "")[:120]}
