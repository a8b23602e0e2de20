"""Exam definitions: create and change an exam, resolve its sections against the bank, printed versions.

Services take the acting user, raise domain errors, flush and send signals; the route commits once.
"""
from __future__ import annotations

import secrets

from sqlalchemy import func, select

from datetime import datetime

from lms.accounts.api import get_class, student_class_ids
from lms.core.db import db, utcnow
from lms.core.errors import Conflict, NotFound, ValidationFailed
from lms.curriculum.api import get_subject
from question_bank import api as bank

from . import rules
from .grading import section_points
from .models import Attempt, Exam, ExamClass, PaperVersion
from .permissions import SCORE, at_least, ensure_can_assign, review_level
from .signals import exam_saved, scores_released

#: Raised by the bank's assembly for impossible requests (e.g. more distinct versions than the paper allows).
ASSEMBLY_ERROR = bank.AssemblyError
#: Printed parts of a paper by question type (numbering restarts in each part, as on national papers).
PART_OF_TYPE = {"single_choice": "choice", "multiple_choice": "choice", "true_false_group": "tf",
                "short_answer": "short", "true_false": "short", "essay": "essay"}

SCALAR_FIELDS = ("title", "mode", "duration_minutes", "opens_at", "closes_at", "max_attempts", "shuffle_questions",
                 "shuffle_options", "review", "counted")


def _fail(field: str, message: str, **extra):
    raise ValidationFailed(message, errors={field: [message]}, extra=extra or None)


def preset_sections(preset_name: str, subject: str) -> tuple[list[dict], int]:
    """Sections of a 2025 national exam preset as blueprint sections (one cell per part), and its minutes."""
    preset = bank.EXAM_PRESETS.get(preset_name)
    if preset is None:
        _fail("preset", f"Không có mẫu đề '{preset_name}'.")
    if subject not in preset["subject_codes"]:
        _fail("preset", f"Mẫu đề '{preset['title']}' không dành cho môn này.")
    sections = [{"title": s["title"], "points_per_question": s["points_per_question"], "scoring": s["scoring"],
                 "fill": "fixed", "question_ids": None,
                 "blueprint": [{"topic_id": None, "level": None, "type": s["type"], "count": s["count"]}]}
                for s in preset["sections"]]
    return sections, preset["duration_minutes"]


def _cell_label(cell: dict) -> dict:
    return {"topic_id": cell.get("topic_id"), "type": cell.get("type"), "level": cell.get("level"),
            "count": cell["count"]}


def _check_types(index: int, section: dict, versions: list) -> None:
    """The thpt2025 policy can only score its three forms, and true/false groups of four statements."""
    if section["scoring"] != "thpt2025":
        return
    for v in versions:
        if v.type not in rules.THPT2025_TYPES:
            _fail(f"sections.{index}.scoring",
                  f"Cách chấm thpt2025 không chấm được câu {v.question_id} (dạng {v.type}).")
        if v.type == "true_false_group" and len(v.body.get("statements") or []) != 4:
            _fail(f"sections.{index}.scoring", f"Câu {v.question_id}: cách chấm thpt2025 cần đúng 4 ý a)–d).")


def _candidates(owner, exam: Exam, section: dict, exclude: set[int]) -> list[dict]:
    found = bank.blueprint_candidates(owner, exam.subject, exam.grade)
    allowed = rules.THPT2025_TYPES if section["scoring"] == "thpt2025" else None
    return [c for c in found if c["id"] not in exclude and (allowed is None or c["type"] in allowed)]


def draw_blueprint(owner, exam: Exam, index: int, section: dict, seed: str, exclude: set[int]) -> list[list[int]]:
    """Fill one section's blueprint from the bank: ``[[question_id, version], ...]`` in cell order.

    Raises ValidationFailed (422) naming the cell the bank cannot fill (topic, form, level, needed, available).
    """
    cells = [dict(cell) for cell in section["blueprint"]]
    names = bank.topic_names(c.get("topic_id") for c in cells)
    for cell in cells:
        if cell.get("topic_id") in names:
            cell["topic_name"] = names[cell["topic_id"]]
    candidates = _candidates(owner, exam, section, exclude)
    try:
        ids = bank.fill_blueprint(cells, candidates, seed)
    except bank.BlueprintShortage as exc:
        cell = exc.cell
        raise ValidationFailed(str(exc), errors={f"sections.{index}.blueprint": [str(exc)]}, extra={"cell": {
            "topic_id": cell.get("topic_id"), "topic": cell.get("topic_name"), "type": cell.get("type"),
            "level": cell.get("level"), "needed": exc.needed, "available": exc.available}}) from None
    version_of = {c["id"]: c["version"] for c in candidates}
    return [[qid, version_of[qid]] for qid in ids]


def _resolve_sections(user, exam: Exam, raw_sections: list[dict], *, draw_seed: str | None = None,
                      mark_used: bool = True) -> list[dict]:
    """Pin fixed sections to question versions and check per-student blueprints can be filled now.

    ``draw_seed`` (from a preview) makes fixed blueprint sections draw exactly the paper the teacher previewed.
    """
    resolved: list[dict] = []
    used: set[int] = set()
    pinned_pairs: list = []
    per_student: list[tuple[int, dict]] = []
    for index, raw in enumerate(raw_sections):
        section = {
            "title": raw["title"], "scoring": raw.get("scoring") or "proportional",
            "points_per_question": (str(rules.points(raw["points_per_question"]))
                                    if raw.get("points_per_question") is not None else None),
            "fill": raw.get("fill") or "fixed", "question_ids": raw.get("question_ids"),
            "blueprint": raw.get("blueprint"), "items": [], "overrides": dict(raw.get("overrides") or {}),
        }
        if section["scoring"] != "thpt2025" and section["points_per_question"] is None:
            _fail(f"sections.{index}.points_per_question", "Cần số điểm mỗi câu cho cách chấm này.")
        if bool(section["question_ids"]) == bool(section["blueprint"]):
            _fail(f"sections.{index}", "Mỗi phần cần đúng một trong hai: question_ids hoặc blueprint.")
        if section["question_ids"]:
            ids = [int(q) for q in section["question_ids"]]
            if len(set(ids)) != len(ids) or used & set(ids):
                _fail(f"sections.{index}.question_ids", "Một câu hỏi xuất hiện hai lần trong đề.")
            try:
                versions = bank.latest_versions(user, ids)
            except NotFound as exc:
                _fail(f"sections.{index}.question_ids", exc.detail)
            if any(v.subject != exam.subject for v in versions):
                _fail(f"sections.{index}.question_ids", "Có câu hỏi không thuộc môn của bài kiểm tra.")
            _check_types(index, section, versions)
            section["items"] = [[v.question_id, v.version] for v in versions]
            section["fill"] = "fixed"
        elif section["fill"] == "fixed":
            seed = f"preview:{draw_seed}:{index}" if draw_seed else f"exam:{exam.id}:{index}"
            section["items"] = draw_blueprint(user, exam, index, section, seed, used)
        else:
            per_student.append((index, section))
        used.update(q for q, _ in section["items"])
        pinned_pairs += section["items"]
        resolved.append(section)
    # Per-student sections draw at each start; checking one draw now turns a shortage into a 422 today
    # rather than an error in front of a student on exam day.
    for index, section in per_student:
        draw_blueprint(user, exam, index, section, f"check:{exam.id}:{index}", used)
    total = len(pinned_pairs) + sum(c["count"] for _, s in per_student for c in s["blueprint"])
    if total == 0:
        _fail("sections", "Đề chưa có câu hỏi nào.")
    if total > rules.MAX_QUESTIONS_PER_EXAM:
        _fail("sections", f"Đề có quá {rules.MAX_QUESTIONS_PER_EXAM} câu hỏi.")
    if pinned_pairs:
        check = bank.get_versions([tuple(p) for p in pinned_pairs])
        for index, section in enumerate(resolved):
            _check_types(index, section, [check[tuple(p)] for p in section["items"]])
        if mark_used:
            bank.mark_versions_used([tuple(p) for p in pinned_pairs])
    return resolved


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


# -- printed versions (mã đề) ------------------------------------------------------------------------------

def _paper_pairs(exam: Exam) -> list[tuple[int, list[list[int]]]]:
    """The questions of the printed paper by section; per-student sections are drawn once for print."""
    out = []
    used = {q for s in exam.sections for q, _ in s.get("items") or []}
    owner = _owner(exam)
    for index, section in enumerate(exam.sections):
        if section["fill"] == "per_student":
            items = draw_blueprint(owner, exam, index, section, f"paper:{exam.id}:{index}", used)
            used.update(q for q, _ in items)
        else:
            items = section["items"]
        items = [p for p in items if section.get("overrides", {}).get(str(p[0])) != "drop"]
        out.append((index, items))
    return out


def _owner(exam: Exam):
    from lms.accounts.api import get_user

    return get_user(exam.owner_id)


def make_versions(user, exam: Exam, count: int) -> list[PaperVersion]:
    """Replace the exam's printed versions with ``count`` new ones (101, 102, ...) with their answer keys."""
    sections = _paper_pairs(exam)
    pairs = [tuple(p) for _, items in sections for p in items]
    data = bank.get_versions(pairs)
    questions = []
    parts = [kind for kind in dict.fromkeys(PART_OF_TYPE.values())]
    for index, items in sections:
        # On paper the forms stay together (PHẦN I, II, III...), so a mixed section is printed form by form.
        items = sorted(items, key=lambda p: parts.index(PART_OF_TYPE.get(data[tuple(p)].type, "essay")))
        for qid, ver in items:
            body = data[(qid, ver)].body
            entry = {"id": qid, "type": body["type"],
                     "section": f"{index}:{PART_OF_TYPE.get(body['type'], body['type'])}"}
            if body["type"] == "true_false_group":
                entry["statement_ids"] = [s["id"] for s in body["statements"]]
            elif body.get("options"):
                entry["option_ids"] = [o["id"] for o in body["options"]]
            questions.append(entry)
    try:
        # Printed versions always shuffle choice options: that is what makes copying from a neighbour useless.
        versions = bank.make_paper_versions(questions, count, seed=f"exam:{exam.id}", shuffle_options=True)
    except ASSEMBLY_ERROR as exc:  # too few questions/options to make that many distinct versions
        _fail("count", str(exc))
    bodies = {qid: data[(qid, ver)].body for qid, ver in pairs}
    version_of = dict(pairs)
    for old in db.session.scalars(select(PaperVersion).where(PaperVersion.exam_id == exam.id)):
        db.session.delete(old)
    db.session.flush()
    rows = []
    for version in versions:
        key = bank.paper_answer_key(version, bodies)
        rows.append(PaperVersion(
            exam_id=exam.id, code=version["code"],
            question_order=[[qid, version_of[qid]] for qid in version["question_order"]],
            option_orders={str(k): v for k, v in version["option_orders"].items()},
            answer_key={str(n): k for n, k in key.items()}))
    db.session.add_all(rows)
    bank.mark_versions_used(pairs)
    db.session.flush()
    return rows


def reorder_body(body: dict, order: list[str] | None) -> dict:
    """A copy of ``body`` with its options or statements in ``order`` (as one attempt or paper shows them)."""
    if not order:
        return dict(body)
    out = dict(body)
    for key in ("options", "statements"):
        if body.get(key):
            by_id = {entry["id"]: entry for entry in body[key]}
            out[key] = [by_id[i] for i in order if i in by_id] + [e for e in body[key] if e["id"] not in order]
    return out


def paper_docx(exam: Exam, version: PaperVersion, school_name: str, subject_name: str) -> bytes:
    """The printed paper of one version as DOCX with its answer key page."""
    pairs = [tuple(p) for p in version.question_order]
    data = bank.get_versions(pairs)
    section_of = {q: index for index, s in enumerate(exam.sections) for q, _ in s.get("items") or []}
    questions, counters = [], {}
    for qid, ver in pairs:
        body = reorder_body(data[(qid, ver)].body, version.option_orders.get(str(qid)))
        part = PART_OF_TYPE.get(body["type"], body["type"])
        counters[part] = counters.get(part, 0) + 1
        section = exam.sections[section_of.get(qid, 0)]
        questions.append({"number": counters[part], "body": body, "meta": {"points": section_points(section)}})
    header = {"school": school_name, "exam_title": exam.title, "subject": subject_name,
              "duration_minutes": exam.duration_minutes or "…", "code": version.code}
    try:
        return bank.build_paper(header, questions)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


def assigned_exams(student, now: datetime) -> list[dict]:
    """The exams assigned to a student's classes, newest closing first, each with the student's attempt count,
    open attempt, submitted attempts ``[{id, number, status, submitted_at, review, score_10}]`` and the last of
    them as ``last_attempt``; ``score_10`` is None until the review policy shows the score to the student.
    Plain values (datetimes, Decimals): the API schema and the page format them."""
    class_ids = student_class_ids(student.id)
    # A subquery, not DISTINCT: PostgreSQL cannot compare the JSON sections column for DISTINCT.
    assigned = select(ExamClass.exam_id).where(ExamClass.class_id.in_(class_ids or {-1}))
    exams = db.session.scalars(select(Exam).where(Exam.id.in_(assigned))
                               .order_by(Exam.closes_at.desc().nulls_last(), Exam.id.desc())).all()
    used, open_ids, submitted = {}, {}, {}
    for attempt in db.session.scalars(select(Attempt).where(Attempt.student_id == student.id,
                                                            Attempt.exam_id.in_([e.id for e in exams] or [-1]))
                                      .order_by(Attempt.number)):
        used[attempt.exam_id] = used.get(attempt.exam_id, 0) + 1
        if attempt.status == "in_progress":
            open_ids[attempt.exam_id] = attempt.id
        else:
            submitted.setdefault(attempt.exam_id, []).append(attempt)
    out = []
    for exam in exams:
        row = {key: getattr(exam, key) for key in ("id", "title", "subject", "grade", "mode", "duration_minutes",
                                                   "opens_at", "closes_at", "max_attempts", "review")}
        mine = []
        for attempt in submitted.get(exam.id, []):
            # The score shows only where the review policy shows it (after_close hides it until the close).
            level = review_level(student, attempt, exam, now)
            shows_score = at_least(level, SCORE) and attempt.status == "graded"
            mine.append({"id": attempt.id, "number": attempt.number, "status": attempt.status,
                         "submitted_at": attempt.submitted_at, "review": level,
                         "score_10": attempt.score_10 if shows_score else None})
        row.update(attempts_used=used.get(exam.id, 0), open_attempt_id=open_ids.get(exam.id), attempts=mine,
                   last_attempt=mine[-1] if mine else None, scores_released=exam.scores_released_at is not None)
        out.append(row)
    return out
