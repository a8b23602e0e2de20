"""Question-bank use cases: create, edit (new immutable version), delete, curation, listing.

Services take the acting user, check object-level rules through ``permissions``, flush and send
``question_changed``; the request commits once. Import and export live in ``transfer.py``.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.core.db import db, utcnow
from lms.core.errors import Conflict, NotFound, ValidationFailed

from . import permissions
from .content import near_duplicate_key, plain_text
from .errors import QuestionValidationError
from .models import LEVELS, Question, QuestionAudit, QuestionMedia, QuestionVersion
from .signals import question_changed
from .types import validate as validate_body

#: Fields of a write that classify the question (stored on Question); everything else is the versioned body.
META_FIELDS = ("subject", "grade", "topic_id", "level", "difficulty", "tags", "scope")
_MEDIA_SRC = re.compile(r'src="/(?:api/v1/)?media/(\d+)/')


def _validated(body: dict) -> dict:
    try:
        return validate_body(body)
    except QuestionValidationError as exc:
        raise ValidationFailed("Câu hỏi không hợp lệ.", errors=exc.errors) from None


def _check_classification(subject: str | None, grade: int | None, topic_id: int | None, level: str | None) -> None:
    from lms.curriculum.api import get_subject, get_topic

    errors: dict[str, list[str]] = {}
    if subject is not None and get_subject(subject) is None:
        errors["subject"] = [f"Không có môn học mã '{subject}'."]
    if level is not None and level not in LEVELS:
        errors["level"] = ["Mức độ phải là nhan_biet, thong_hieu, van_dung hoặc van_dung_cao."]
    if topic_id is not None:
        topic = get_topic(topic_id)
        if topic is None:
            errors["topic_id"] = ["Không có chủ đề này."]
        elif (subject is not None and topic["subject"] != subject) or (grade is not None and topic["grade"] != grade):
            errors["topic_id"] = ["Chủ đề không thuộc môn và khối lớp của câu hỏi."]
    if errors:
        raise ValidationFailed("Phân loại câu hỏi không hợp lệ.", errors=errors)


def audit(question: Question, actor, action: str, **detail) -> None:
    """Append one entry to the question's audit trail."""
    db.session.add(QuestionAudit(question_id=question.id, actor_id=actor.id if actor is not None else None,
                                 action=action, detail=detail))


def _media_ids(body: dict) -> set[int]:
    found: set[int] = set()
    for value in _walk_strings(body):
        found.update(int(m) for m in _MEDIA_SRC.findall(value))
    return found


def _walk_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item)


def _link_media(user, question: Question, body: dict) -> None:
    """Remember (and claim, so cleanup keeps them) the media images a body references."""
    ids = _media_ids(body)
    known = set(db.session.scalars(select(QuestionMedia.asset_id).where(QuestionMedia.question_id == question.id)))
    new = ids - known
    if not new:
        return
    try:
        from media import api as media_api
    except ImportError:  # media not installed in this deployment: nothing to claim
        media_api = None
    if media_api is not None:
        media_api.claim(sorted(new), user)
    for asset_id in sorted(new):
        db.session.add(QuestionMedia(question_id=question.id, asset_id=asset_id))


def _apply_body(question: Question, body: dict) -> None:
    question.qtype = body["type"]
    question.dup_key = near_duplicate_key(body)
    question.search_text = plain_text(body.get("stem") or body.get("text") or "")[:4000]


def create_question(user, data: dict, *, action: str = "created", detail: dict | None = None) -> Question:
    """Create a draft question and its version 1 from a write payload (classification + body)."""
    body = _validated({k: v for k, v in data.items() if k not in META_FIELDS})
    _check_classification(data["subject"], data["grade"], data.get("topic_id"), data["level"])
    question = Question(owner_id=user.id, school_id=user.school_id, subject_code=data["subject"],
                        grade=data["grade"], topic_id=data.get("topic_id"), level=data["level"],
                        difficulty=data.get("difficulty"), tags=list(data.get("tags") or []),
                        scope=data.get("scope") or "personal", status="draft", current_version=1)
    _apply_body(question, body)
    db.session.add(question)
    db.session.flush()
    db.session.add(QuestionVersion(question_id=question.id, version=1, body=body, created_by=user.id))
    _link_media(user, question, body)
    audit(question, user, action, version=1, **(detail or {}))
    db.session.flush()
    question_changed.send(None, question_id=question.id)
    return question


def current_body(question: Question) -> dict:
    """The body of the question's latest version."""
    return version_row(question, question.current_version).body


def version_row(question: Question, version: int) -> QuestionVersion:
    """One version of a question; NotFound if it does not exist."""
    row = db.session.scalar(select(QuestionVersion).where(QuestionVersion.question_id == question.id,
                                                          QuestionVersion.version == version))
    if row is None:
        raise NotFound(f"Câu hỏi không có phiên bản {version}.")
    return row


def update_question(user, question: Question, data: dict) -> Question:
    """Apply a PATCH: body changes write version n+1 (the old one stays for the attempts that used it);
    classification changes update the question. An author's edit of a shared question sends it back to
    the review queue, because the department approved the old text, not the new one."""
    permissions.ensure_editable(user, question)
    changed: list[str] = []
    body_patch = {k: v for k, v in data.items() if k not in META_FIELDS}
    new_version = None
    if body_patch:
        old = current_body(question)
        merged = {**old, **body_patch}
        if "type" in body_patch and body_patch["type"] != old["type"]:
            # A new type brings its own fields; the old type's fields would be unknown to it.
            merged = {"explanation": old.get("explanation"), "stem": old.get("stem"), **body_patch}
        merged = {k: v for k, v in merged.items() if v is not None}
        body = _validated(merged)
        if body != old:
            new_version = question.current_version + 1
            db.session.add(QuestionVersion(question_id=question.id, version=new_version, body=body,
                                           created_by=user.id))
            question.current_version = new_version
            _apply_body(question, body)
            _link_media(user, question, body)
            changed.extend(sorted(k for k in body_patch if old.get(k) != body.get(k)))
    if "scope" in data and data["scope"] != question.scope:
        if question.scope == "shared" or question.status in ("in_review", "published"):
            raise Conflict("Không đổi được phạm vi của câu hỏi đã gửi duyệt hoặc đã công bố.")
        question.scope = data["scope"]
        changed.append("scope")
    if any(key in data for key in ("subject", "grade", "topic_id", "level")):
        _check_classification(data.get("subject", question.subject_code), data.get("grade", question.grade),
                              data["topic_id"] if "topic_id" in data else question.topic_id,
                              data.get("level", question.level))
    for field, attr in (("subject", "subject_code"), ("grade", "grade"), ("topic_id", "topic_id"),
                        ("level", "level"), ("difficulty", "difficulty"), ("tags", "tags")):
        if field in data and getattr(question, attr) != data[field]:
            setattr(question, attr, list(data[field]) if field == "tags" else data[field])
            changed.append(field)
    if not changed:
        return question
    status_before = question.status
    if (new_version is not None and question.scope == "shared" and question.status == "published"
            and user.role not in ("department", "admin")):
        question.status = "in_review"
    question.updated_at = utcnow()
    detail = {"fields": changed}
    if new_version is not None:
        detail["version"] = new_version
    if question.status != status_before:
        detail["status"] = question.status
    audit(question, user, "edited", **detail)
    db.session.flush()
    question_changed.send(None, question_id=question.id)
    return question


def delete_question(user, question: Question) -> None:
    """Soft delete: the question leaves the bank, its versions stay for the attempts and papers using them."""
    permissions.ensure_editable(user, question)
    question.deleted_at = utcnow()
    question.updated_at = question.deleted_at
    used = db.session.scalar(select(QuestionVersion.id).where(QuestionVersion.question_id == question.id,
                                                              QuestionVersion.used_at.is_not(None)).limit(1))
    audit(question, user, "deleted", used=used is not None)
    db.session.flush()
    question_changed.send(None, question_id=question.id)


def find_duplicates(question: Question) -> list[int]:
    """Other live questions of the bank this one joins (shared, the owner's school, the owner's own) whose
    stem and options are the same up to markup, case, accents, spacing and option order."""
    stmt = select(Question.id).where(Question.dup_key == question.dup_key, Question.id != question.id,
                                     Question.deleted_at.is_(None))
    rows = db.session.execute(stmt.add_columns(Question.scope, Question.school_id, Question.owner_id)).all()
    return sorted(row.id for row in rows
                  if row.scope == "shared" or row.owner_id == question.owner_id
                  or (row.scope == "school" and row.school_id is not None and row.school_id == question.school_id))


def submit(user, question: Question, scope: str = "shared") -> tuple[Question, list[int]]:
    """Send a draft (or rejected) question onward: to the department's review queue (``shared``), or straight
    to colleagues of the author's school (``school``, the author's own call). Near-duplicates are flagged in
    the result and the audit trail, not refused: the reviewer decides."""
    permissions.ensure_owner(user, question)
    if question.status not in ("draft", "rejected"):
        raise Conflict("Chỉ gửi được câu hỏi ở trạng thái nháp hoặc bị từ chối.")
    if scope == "school" and question.school_id is None:
        raise Conflict("Câu hỏi không thuộc trường nào để chia sẻ trong trường.")
    duplicates = find_duplicates(question)
    if scope == "school":
        question.scope, question.status = "school", "published"
        audit(question, user, "published", scope="school", duplicates=duplicates)
    else:
        question.scope, question.status = "shared", "in_review"
        audit(question, user, "submitted", version=question.current_version, duplicates=duplicates)
    question.review_comment = None
    question.updated_at = utcnow()
    db.session.flush()
    question_changed.send(None, question_id=question.id)
    return question, duplicates


def review(user, question: Question, decision: str, comment: str | None) -> Question:
    """The department approves (published) or rejects (with a comment the author sees) a queued question."""
    permissions.ensure_reviewable(user, question)
    if question.status != "in_review":
        raise Conflict("Câu hỏi không ở trong hàng chờ duyệt.")
    comment = (comment or "").strip() or None
    if decision == "reject" and not comment:
        raise ValidationFailed("Từ chối cần có nhận xét.", errors={"comment": ["Hãy ghi lý do từ chối."]})
    question.status = "published" if decision == "approve" else "rejected"
    question.review_comment = comment
    question.updated_at = utcnow()
    audit(question, user, "approved" if decision == "approve" else "rejected", version=question.current_version,
          comment=comment)
    db.session.flush()
    question_changed.send(None, question_id=question.id)
    return question


def list_statement(user, filters: dict):
    """The SELECT of the bank rows ``user`` may see, narrowed by the list filters, newest first."""
    stmt = select(Question).where(permissions.visible_clause(user))
    for key, column in (("subject", Question.subject_code), ("grade", Question.grade),
                        ("topic_id", Question.topic_id), ("level", Question.level), ("type", Question.qtype),
                        ("status", Question.status), ("scope", Question.scope)):
        if filters.get(key) is not None:
            stmt = stmt.where(column == filters[key])
    if filters.get("mine"):
        stmt = stmt.where(Question.owner_id == user.id)
    if filters.get("q"):
        stmt = stmt.where(Question.search_text.ilike(f"%{filters['q']}%"))
    return stmt.order_by(Question.updated_at.desc(), Question.id.desc())


def teacher_view(question: Question, version: QuestionVersion | None = None) -> dict:
    """The API's question object: the version's body (with keys: every caller here is staff) and the
    question's classification and curation state."""
    version = version or version_row(question, question.current_version)
    return {
        **version.body,
        "id": question.id, "version": version.version, "latest_version": question.current_version,
        "subject": question.subject_code, "grade": question.grade, "topic_id": question.topic_id,
        "level": question.level, "difficulty": question.difficulty, "tags": list(question.tags or []),
        "status": question.status, "scope": question.scope, "owner_id": question.owner_id,
        "school_id": question.school_id, "review_comment": question.review_comment,
        "created_at": question.created_at, "updated_at": question.updated_at, "version_created_at": version.created_at,
    }


def teacher_views(questions: list[Question]) -> list[dict]:
    """``teacher_view`` for a page of questions with one query for their current versions."""
    if not questions:
        return []
    wanted = {(q.id, q.current_version) for q in questions}
    rows = db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.question_id.in_([q.id for q in questions])))
    by_key = {(r.question_id, r.version): r for r in rows if (r.question_id, r.version) in wanted}
    return [teacher_view(q, by_key[(q.id, q.current_version)]) for q in questions]


def history(question: Question) -> list[dict]:
    """The audit trail, oldest first, with the actor's name."""
    from lms.accounts.api import get_user

    entries = db.session.scalars(select(QuestionAudit).where(QuestionAudit.question_id == question.id)
                                 .order_by(QuestionAudit.at, QuestionAudit.id)).all()
    names: dict[int, str] = {}
    out = []
    for entry in entries:
        if entry.actor_id is not None and entry.actor_id not in names:
            actor = get_user(entry.actor_id)
            names[entry.actor_id] = (actor.full_name or actor.username) if actor else ""
        out.append({"id": entry.id, "action": entry.action, "actor_id": entry.actor_id,
                    "actor_name": names.get(entry.actor_id, ""), "at": entry.at, "detail": dict(entry.detail or {})})
    return out


def get_question(question_id: int) -> Question | None:
    """The question row (deleted ones included; callers check visibility)."""
    if not 0 < question_id < 2**31:  # no such row; PostgreSQL would refuse the out-of-range comparison
        return None
    return db.session.get(Question, question_id)

