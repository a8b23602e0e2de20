"""Create, change and preview an exam, and release its scores; the gradebook hears of it by signal."""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from lms.accounts.api import get_class
from lms.core.db import db, utcnow
from lms.core.errors import Conflict
from lms.curriculum.api import get_subject
from question_bank import api as bank

from ..models import Attempt, Exam, ExamClass
from ..permissions import ensure_can_assign
from ..signals import exam_saved, scores_released
from .sections import _fail, _resolve_sections, draw_blueprint, preset_sections

SCALAR_FIELDS = ("title", "mode", "duration_minutes", "opens_at", "closes_at", "max_attempts", "shuffle_questions",
                 "shuffle_options", "review", "counted")


def _apply(user, exam: Exam, data: dict, creating: bool) -> None:
    for name in SCALAR_FIELDS:
        if name in data:
            setattr(exam, name, data[name])
    if "gradebook" in data:
        link = data["gradebook"]
        exam.gradebook_kind = link["column_kind"] if link else None
        exam.gradebook_semester = link["semester"] if link else None
        # Not stored: the gradebook records which column an exam feeds; this only travels with exam_saved.
        exam._picked_columns = (link or {}).get("columns")
    if exam.opens_at and exam.closes_at and exam.closes_at <= exam.opens_at:
        _fail("closes_at", "Giờ đóng phải sau giờ mở.")
    if "class_ids" in data:
        ids = sorted(set(data["class_ids"]))
        classes = [get_class(cid) for cid in ids]
        bad = [cid for cid, klass in zip(ids, classes) if klass is None] + ensure_can_assign(user, ids)
        if bad:
            _fail("class_ids", f"Bạn không dạy lớp {', '.join(map(str, sorted(set(bad))))}.")
        if any(klass.grade != exam.grade for klass in classes):
            _fail("class_ids", "Lớp không cùng khối với bài kiểm tra.")
        exam.classes = [ExamClass(class_id=cid) for cid in ids]
        exam.school_year = classes[0].school_year if classes else ""
    if creating or "sections" in data or "preset" in data:
        sections = data.get("sections")
        if not sections and data.get("preset"):
            sections, minutes = preset_sections(data["preset"], exam.subject)
            if exam.duration_minutes is None:
                exam.duration_minutes = minutes
        if not sections:
            _fail("sections", "Cần ít nhất một phần đề (hoặc chọn mẫu đề).")
        exam.preset = data.get("preset")
        db.session.flush()  # the exam id seeds the blueprint draw
        exam.sections = _resolve_sections(user, exam, sections, draw_seed=data.get("draw_seed"))


def preview_paper(user, data: dict) -> dict:
    """The paper an exam's sections would give, without saving anything: ``{draw_seed, sections: [{title,
    fill, questions: [VersionData]}], total}``. Passing the returned ``draw_seed`` to create_exam assigns
    exactly this paper (fixed sections); per-student sections show one sample draw."""
    if get_subject(data["subject"]) is None:
        _fail("subject", f"Không có môn '{data['subject']}'.")
    seed = data.get("draw_seed") or secrets.token_hex(8)
    exam = Exam(owner_id=user.id, subject=data["subject"], grade=data["grade"], title=data.get("title") or "")
    sections = data.get("sections")
    if not sections and data.get("preset"):
        sections, _ = preset_sections(data["preset"], exam.subject)
    if not sections:
        _fail("sections", "Cần ít nhất một phần đề (hoặc chọn mẫu đề).")
    resolved = _resolve_sections(user, exam, sections, draw_seed=seed, mark_used=False)
    out, used = [], {q for s in resolved for q, _ in s["items"]}
    for index, section in enumerate(resolved):
        pairs = section["items"]
        if section["fill"] == "per_student":
            pairs = draw_blueprint(user, exam, index, section, f"preview:{seed}:sample:{index}", used)
        versions = bank.get_versions([tuple(p) for p in pairs])
        out.append({"title": section["title"], "fill": section["fill"],
                    "points_per_question": section["points_per_question"],
                    "questions": [versions[tuple(p)] for p in pairs]})
    return {"draw_seed": seed, "sections": out, "total": sum(len(s["questions"]) for s in out)}


def _send_saved(exam: Exam) -> None:
    db.session.flush()
    gradebook = ({"column_kind": exam.gradebook_kind, "semester": exam.gradebook_semester}
                 if exam.gradebook_kind else None)
    exam_saved.send(exam, exam_id=exam.id, title=exam.title, subject=exam.subject, class_ids=exam.class_ids,
                    gradebook=gradebook, school_year=exam.school_year, owner_id=exam.owner_id,
                    scores_released=exam.scores_released_at is not None,
                    gradebook_columns=getattr(exam, "_picked_columns", None))


def release_scores(user, exam: Exam, released: bool = True) -> Exam:
    """Công bố điểm: make the exam's gradebook columns visible to its students (or hide them again).

    Releasing twice keeps the first time; the gradebook listens to ``scores_released``.
    """
    if released and exam.scores_released_at is None:
        exam.scores_released_at = utcnow()
    elif not released:
        exam.scores_released_at = None
    db.session.flush()
    scores_released.send(exam, exam_id=exam.id, released=released)
    return exam


def create_exam(user, data: dict) -> Exam:
    """Create an exam owned by ``user`` for classes they teach; sends ``exam_saved``."""
    if get_subject(data["subject"]) is None:
        _fail("subject", f"Không có môn '{data['subject']}'.")
    exam = Exam(owner_id=user.id, subject=data["subject"], grade=data["grade"], title=data["title"])
    db.session.add(exam)
    _apply(user, exam, data, creating=True)
    _send_saved(exam)
    return exam


def attempt_count(exam_id: int) -> int:
    """How many attempts an exam has (any state)."""
    return db.session.scalar(select(func.count()).select_from(Attempt).where(Attempt.exam_id == exam_id)) or 0


def update_exam(user, exam: Exam, data: dict) -> Exam:
    """Change an exam. Its paper (sections, subject, grade) is frozen once a student has started: use a regrade."""
    frozen = {"sections", "preset", "subject", "grade"} & set(data)
    if frozen and attempt_count(exam.id):
        raise Conflict("Đã có học sinh làm bài: không sửa được đề (hãy dùng chấm lại).")
    if "subject" in data and data["subject"] != exam.subject:
        if get_subject(data["subject"]) is None:
            _fail("subject", f"Không có môn '{data['subject']}'.")
        exam.subject = data["subject"]
    if "grade" in data:
        exam.grade = data["grade"]
    if ("subject" in data or "grade" in data) and "sections" not in data:
        data = {**data, "sections": exam.sections}
    _apply(user, exam, data, creating=False)
    _send_saved(exam)
    return exam
