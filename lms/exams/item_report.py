"""The statistics table a teacher can read: each question's text, each option's letter and text with how many
chose it (the key marked), numbers with a decimal comma."""
from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import select

from lms.core.db import db
from question_bank import api as bank

from .charts import vn_number
from .models import Attempt, AttemptItem, Exam

FLAG_LABELS = {"low_discrimination": "Phân biệt kém", "too_hard": "Quá khó", "too_easy": "Quá dễ"}
TEXT_LIMIT = 160


def _plain(html: str | None, limit: int = TEXT_LIMIT) -> str:
    text = Markup(html or "").striptags()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _versions(exam: Exam, question_ids: list[int]) -> dict[int, object]:
    """The version each question was answered in (the pinned one, else the one attempts drew)."""
    pairs = {q: v for s in exam.sections or [] for q, v in s.get("items") or []}
    missing = [q for q in question_ids if q not in pairs]
    if missing:
        for qid, version in _drawn_pairs(exam.id, missing):
            pairs.setdefault(qid, version)
    found = bank.get_versions([(q, pairs[q]) for q in question_ids if q in pairs])
    return {q: found.get((q, pairs[q])) for q in question_ids if q in pairs}


def _drawn_pairs(exam_id: int, question_ids: list[int]):
    """(question, version) pairs attempts drew for per-student sections."""
    return db.session.execute(select(AttemptItem.question_id, AttemptItem.version)
                              .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                              .where(Attempt.exam_id == exam_id, AttemptItem.question_id.in_(question_ids))
                              .distinct()).all()


def rows(exam: Exam, doc: dict) -> list[dict]:
    """One row per analysed question: ``{number, text, type, facility, discrimination, point_biserial,
    responses, choices: [{label, text, count, correct}], flags}`` with display strings."""
    versions = _versions(exam, [q["question_id"] for q in doc["questions"]])
    out = []
    for index, q in enumerate(doc["questions"], start=1):
        version = versions.get(q["question_id"])
        body = version.body if version else {}
        counts = dict(q.get("option_counts") or {})
        choices = []
        if body.get("options"):
            for i, option in enumerate(body["options"]):
                choices.append({"label": "ABCDEFGHIJ"[i] if i < 10 else str(i + 1), "text": _plain(option["text"], 80),
                                "count": counts.pop(str(option["id"]), 0), "correct": bool(option.get("correct"))})
        elif body.get("statements"):
            for i, st in enumerate(body["statements"]):
                sid = str(st["id"])
                choices.append({"label": "abcdefghij"[i] + ")", "text": _plain(st["text"], 80),
                                "count": None, "correct": None,
                                "split": {"Đúng": counts.pop(f"{sid}:true", 0), "Sai": counts.pop(f"{sid}:false", 0)},
                                "truth": "Đúng" if st.get("correct") else "Sai"})
        blank = counts.pop("blank", 0)
        for value, count in counts.items():  # short answers, true/false: the raw values given
            label = {"true": "Đúng", "false": "Sai"}.get(value, value)
            choices.append({"label": label, "text": "", "count": count, "correct": None})
        out.append({"order": index, "number": q["number"], "question_id": q["question_id"],
                    "text": _plain(body.get("stem")), "type": q.get("type"), "responses": q.get("responses"),
                    "facility": vn_number(q.get("facility")), "discrimination": vn_number(q.get("discrimination")),
                    "point_biserial": vn_number(q.get("point_biserial")), "choices": choices, "blank": blank,
                    "flags": [FLAG_LABELS.get(f, f) for f in q.get("flags") or []]})
    return out
