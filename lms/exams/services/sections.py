"""An exam's sections resolved against the bank: presets as sections, blueprint draws, pinned versions."""
from __future__ import annotations

from lms.core.errors import NotFound, ValidationFailed
from question_bank import api as bank

from .. import rules
from ..models import Exam


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
