"""The create form: the form read into the API's ExamWrite shape, a paper preview, errors next to their fields."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts.api import get_class, taught_class_ids
from lms.core.formatting import parse_vn_datetime
from lms.core.db import db
from lms.core.errors import DomainError, NotFound
from lms.core.rest import whole_number
from lms.curriculum.api import get_topic, subject_names
from question_bank import api as bank

from .. import rules, services
from .blueprint import BLUEPRINT_ROWS, REVIEW_HELP, REVIEW_LABELS, web

_MESSAGES = [
    (r"Missing data for required field\.|Field may not be null\.", "Cần điền mục này."),
    (r"Length must be between (\d+) and (\d+)\.", r"Cần từ \1 đến \2 (kí tự hoặc mục)."),
    (r"Longer than maximum length (\d+)\.", r"Dài quá \1 kí tự."),
    (r"Shorter than minimum length (\d+)\.", r"Cần ít nhất \1."),
    (r"Must be greater than or equal to (\S+) and less than or equal to (\S+)\.", r"Phải từ \1 đến \2."),
    (r"Must be greater than or equal to (\S+)\.", r"Phải từ \1 trở lên."),
    (r"Must be less than or equal to (\S+)\.", r"Không được quá \1."),
    (r"Must be one of: .*\.", "Giá trị không nằm trong danh sách cho phép."),
    (r"Not a valid (integer|number|decimal)\.", "Phải là một số."),
    (r"Not a valid (datetime|date)\.", "Ngày giờ không hợp lệ."),
    (r"Not a valid .*\.|Invalid (type|input)\.", "Giá trị không hợp lệ."),
    (r"Unknown field\.", "Mục không được hỗ trợ."),
]


def _vietnamese(message: str) -> str:
    """marshmallow's English messages, said in Vietnamese (the service's own messages already are)."""
    for pattern, text in _MESSAGES:
        if re.fullmatch(pattern, message):
            return re.sub(pattern, text, message)
    return message


def _flatten(errors, prefix: str = "") -> dict[str, list[str]]:
    """Nested marshmallow errors as ``{"sections.0.blueprint.1.count": [messages]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, (list, tuple)):
        texts = [_vietnamese(m) for m in errors if isinstance(m, str)]
        for m in errors:
            if not isinstance(m, str):
                flat.update(_flatten(m, prefix))
        if texts:
            flat.setdefault(prefix or "_", []).extend(texts)
    else:
        flat.setdefault(prefix or "_", []).append(_vietnamese(str(errors)))
    return flat


def _int(value) -> int | None:
    value = (value or "").strip()
    return whole_number(value)


def blueprint_rows(form) -> list[dict]:
    """The blueprint rows of the form (topic × level × type × count), blank ones included, in form order."""
    columns = [form.getlist(name) for name in ("bp_topic", "bp_level", "bp_type", "bp_count")]
    size = max((len(c) for c in columns), default=0)
    rows = []
    for i in range(size):
        topic, level, qtype, count = (c[i] if i < len(c) else "" for c in columns)
        rows.append({"topic_id": _int(topic), "level": level or None, "type": qtype or None,
                     "count": count.strip()})
    return rows


def _form_data(form, preview: bool = False) -> tuple[dict, list[int]]:
    """The create form as the API's ExamWrite shape, and the form row of each blueprint cell.

    A bad field raises DomainError (422) whose ``errors`` are flattened to dotted keys in Vietnamese.
    """
    from lms.core.rest import load

    from ..schemas import ExamPreviewIn, ExamWrite

    kind = form.get("build", "preset")
    errors: dict[str, list[str]] = {}
    raw = {
        "title": form.get("title", "").strip(), "subject": form.get("subject", ""),
        "grade": _int(form.get("grade")),
        "class_ids": [n for n in map(whole_number, form.getlist("class_ids")) if n is not None],
        "mode": form.get("mode", "exam"), "review": form.get("review", "after_submit"),
        "counted": form.get("counted", "best"), "shuffle_questions": bool(form.get("shuffle_questions")),
        "shuffle_options": bool(form.get("shuffle_options")),
        "duration_minutes": _int(form.get("duration_minutes")), "max_attempts": _int(form.get("max_attempts")),
    }
    if not raw["class_ids"] and not preview:
        errors["class_ids"] = ["Chọn ít nhất một lớp."]
    if re.fullmatch(r"[0-9a-f]{8,32}", form.get("draw_seed", "")):
        raw["draw_seed"] = form["draw_seed"]
    for name in ("opens_at", "closes_at"):
        try:
            parsed = parse_vn_datetime(form.get(name))
        except ValueError as exc:
            errors[name], parsed = [str(exc)], None
        raw[name] = parsed.isoformat() if parsed else None
    if form.get("gradebook_kind"):
        raw["gradebook"] = {"column_kind": form["gradebook_kind"], "semester": _int(form.get("semester")) or 1}
        # gradebook_column_<class id>: an existing column picked in the form (empty: a new column)
        picked = {key.rpartition("_")[2]: _int(value) for key, value in form.items()
                  if key.startswith("gradebook_column_") and _int(value)}
        if picked:
            raw["gradebook"]["columns"] = picked
    row_of_cell: list[int] = []
    if kind == "preset":
        raw["preset"] = form.get("preset")
    else:
        text = form.get("points_per_question", "").strip().replace(",", ".")
        try:
            points = str(Decimal(text)) if text else None
        except InvalidOperation:
            points = None
            errors["sections.0.points_per_question"] = ["Điểm mỗi câu phải là một số, ví dụ 0,25."]
        section = {"title": form.get("section_title") or "Phần I", "points_per_question": points,
                   "scoring": form.get("scoring", "proportional"), "fill": form.get("fill", "fixed")}
        if kind == "questions":
            section["question_ids"] = [n for n in map(whole_number, re.split(r"[\s,;]+", form.get("question_ids", "")))
                                       if n is not None]
            if not section["question_ids"]:
                errors["sections.0.question_ids"] = ["Nhập ít nhất một mã câu hỏi."]
        else:
            cells = []
            for index, row in enumerate(blueprint_rows(form)):
                if not row["count"] or row["count"] == "0":
                    continue
                if whole_number(row["count"]) is None:
                    errors[f"bp.{index}"] = ["Số câu phải là số nguyên dương."]
                    continue
                cells.append({"topic_id": row["topic_id"], "level": row["level"], "type": row["type"],
                              "count": int(row["count"])})
                row_of_cell.append(index)
            section["blueprint"] = cells
            if not cells and not any(k.startswith("bp.") for k in errors):
                errors["sections.0.blueprint"] = ["Ma trận cần ít nhất một dòng có số câu lớn hơn 0."]
        raw["sections"] = [section]
    try:
        data = load(ExamPreviewIn() if preview else ExamWrite(), raw)
    except DomainError as exc:
        errors = {**_flatten(exc.errors or {}), **errors}
        data = None
    if errors:
        raise _FormInvalid(errors, row_of_cell)
    return data, row_of_cell


class _FormInvalid(DomainError):
    status = 422

    def __init__(self, errors: dict, row_of_cell: list[int]):
        super().__init__("Chưa tạo được bài kiểm tra: xem các lỗi bên dưới.", errors=errors)
        self.row_of_cell = row_of_cell


def _form_errors(exc: DomainError, rows: list[dict], row_of_cell: list[int]) -> dict[str, list[str]]:
    """Errors keyed for the form: cell errors move to their row (``bp.N``), a bank shortage to its cell's row."""
    errors = _flatten(exc.errors) if exc.errors else {"_": [exc.detail]}
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        m = re.fullmatch(r"sections\.0\.blueprint\.(\d+)(\..*)?", key)
        if m and int(m.group(1)) < len(row_of_cell):
            key = f"bp.{row_of_cell[int(m.group(1))]}"
        out.setdefault(key, []).extend(messages)
    cell = (exc.extra or {}).get("cell")
    if cell:
        for index, row in enumerate(rows):
            if (row["topic_id"], row["level"], row["type"]) == (cell.get("topic_id"), cell.get("level"),
                                                                 cell.get("type")) and index in row_of_cell:
                out.setdefault(f"bp.{index}", []).extend(out.pop("sections.0.blueprint", []))
                break
    return out


@web.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if current_user.role != "teacher":
        raise NotFound()
    errors: dict = {}
    preview = None
    rows = blueprint_rows(request.form)
    if request.method == "POST":
        row_of_cell: list[int] = []
        wants_preview = request.form.get("action") in ("preview", "redraw")
        try:
            data, row_of_cell = _form_data(request.form, preview=wants_preview)
            if wants_preview:
                if request.form.get("action") == "redraw":
                    data["draw_seed"] = None  # a new draw
                preview = services.preview_paper(current_user, data)
                db.session.rollback()
            else:
                exam = services.create_exam(current_user, data)
                db.session.commit()
                flash("Đã tạo bài kiểm tra.", "info")
                return redirect(url_for("exams_web.results", exam_id=exam.id))
        except DomainError as exc:
            db.session.rollback()
            errors = _form_errors(exc, rows, getattr(exc, "row_of_cell", row_of_cell))
    if request.method == "GET":  # a fresh matrix starts with one row per cognitive level
        rows = [{"topic_id": None, "level": level, "type": None, "count": ""} for level in rules.LEVELS]
    rows += [{"topic_id": None, "level": None, "type": None, "count": ""}] * max(0, BLUEPRINT_ROWS - len(rows))
    topics = {r["topic_id"]: get_topic(r["topic_id"]) for r in rows if r["topic_id"]}
    if preview:
        topic_ids = {q.topic_id for s in preview["sections"] for q in s["questions"] if q.topic_id}
        topics.update({tid: get_topic(tid) for tid in topic_ids if tid not in topics})
    classes = [c for c in (get_class(cid) for cid in sorted(taught_class_ids(current_user.id))) if c]
    return render_template("exams/new.html", classes=classes, subjects=subject_names(), presets=bank.EXAM_PRESETS,
                           levels=rules.LEVELS, errors=errors, form=request.form, fresh=request.method == "GET",
                           review_labels=REVIEW_LABELS, review_help=REVIEW_HELP, rows=rows, topics=topics,
                           preview=preview,
                           max_questions=rules.MAX_QUESTIONS_PER_EXAM), (422 if errors else 200)
