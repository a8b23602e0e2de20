"""Printed versions (mã đề): each with its question and option order and answer key, and the DOCX paper."""
from __future__ import annotations

from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import ValidationFailed
from question_bank import api as bank

from ..grading import section_points
from ..models import Exam, PaperVersion
from .sections import _fail, draw_blueprint

#: Raised by the bank's assembly for impossible requests (e.g. more distinct versions than the paper allows).
ASSEMBLY_ERROR = bank.AssemblyError
#: Printed parts of a paper by question type (numbering restarts in each part, as on national papers).
PART_OF_TYPE = {"single_choice": "choice", "multiple_choice": "choice", "true_false_group": "tf",
                "short_answer": "short", "true_false": "short", "essay": "essay"}


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
