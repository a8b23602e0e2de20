"""Web pages of exams: the student list and test page, reviews, and the teacher's list, form, results,
statistics, hand grading, regrades and printed versions.

Pages are shells over the JSON API: their scripts (static/*.js) call the same endpoints an integration would,
so the rules (deadline, key hiding, grading bounds, regrade previews) are enforced in one place, the API.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from lms.accounts.api import get_class, get_user, taught_class_ids
from lms.core.formatting import parse_vn_datetime, vn_points
from lms.core.db import db, utcnow
from lms.core.errors import DomainError, NotFound
from lms.core.rest import whole_number
from lms.curriculum.api import get_topic, subject_names
from question_bank import api as bank

from . import attempts, charts, item_report, permissions, rules, services, statistics
from .models import Attempt, AttemptItem, Exam, PaperVersion

web = Blueprint("exams_web", __name__, url_prefix="/exams", template_folder="templates",
                static_folder="static", static_url_path="/static/exams")

REVIEW_LABELS = {"immediately": "Ngay sau khi nộp: điểm, đúng/sai từng câu, đáp án",
                 "after_submit": "Sau khi nộp: tổng điểm; đáp án khi đóng bài",
                 "after_close": "Sau khi đóng bài: điểm và đáp án", "never": "Chỉ xem tổng điểm"}
#: What each review policy shows a student, said in the teacher's form (lms.exams.permissions.review_level).
REVIEW_HELP = {
    "immediately": "Ngay khi nộp, học sinh thấy điểm, câu nào đúng/sai, đáp án và lời giải. Hợp với bài luyện "
                   "tập; với bài kiểm tra còn mở hoặc cho làm nhiều lượt, em nộp trước có thể chuyển đáp án cho "
                   "bạn hoặc dùng cho lượt sau của mình.",
    "after_submit": "Khi bài còn mở, học sinh chỉ thấy câu trả lời của mình và tổng điểm — không thấy câu nào "
                    "đúng, câu nào sai, vì dấu “đúng” cạnh câu trả lời chính là đáp án. Sau giờ đóng bài thấy "
                    "điểm từng câu, đáp án và lời giải.",
    "after_close": "Trước giờ đóng bài, học sinh chỉ thấy câu trả lời của mình (chưa có điểm); sau giờ đóng bài "
                   "thấy điểm, đáp án và lời giải.",
    "never": "Học sinh chỉ thấy câu trả lời của mình và tổng điểm, không bao giờ thấy đáp án.",
}
MODE_LABELS = {"practice": "Luyện tập", "exam": "Kiểm tra"}
STATUS_LABELS = {"in_progress": "Đang làm", "needs_grading": "Chờ chấm", "graded": "Đã chấm"}
LEVEL_LABELS = {"nhan_biet": "Nhận biết", "thong_hieu": "Thông hiểu", "van_dung": "Vận dụng",
                "van_dung_cao": "Vận dụng cao"}
TYPE_LABELS = {"single_choice": "Nhiều lựa chọn", "multiple_choice": "Nhiều đáp án", "true_false": "Đúng/sai",
               "true_false_group": "Đúng/sai (4 ý)", "short_answer": "Trả lời ngắn", "essay": "Tự luận"}
REGRADE_LABELS = {"new_version": "Chấm theo phiên bản mới (đáp án đã sửa)",
                  "full_credit": "Cho mọi học sinh trọn điểm câu này", "drop": "Bỏ câu này khỏi đề (không tính điểm)"}
#: Empty blueprint rows offered by the form without script (the script adds more on request).
BLUEPRINT_ROWS = 4


@web.context_processor
def _helpers():
    # One number format for every page (lms.core.formatting); empty for None as these pages expect.
    return {"vn": lambda value: vn_points(value, empty=""), "type_labels": TYPE_LABELS, "level_labels": LEVEL_LABELS}


def _student_only():
    if current_user.role != "student":
        raise NotFound("Trang này dành cho học sinh.")


def _teacher_exam(exam_id: int) -> Exam:
    return permissions.ensure_manageable(current_user, db.session.get(Exam, exam_id))


def _owner_exam(exam_id: int) -> Exam:
    # Writing pages (regrade, new versions) call teacher-only endpoints: an admin who may look is sent away.
    exam = _teacher_exam(exam_id)
    if current_user.role != "teacher":
        raise NotFound("Không tìm thấy bài kiểm tra.")
    return exam


@web.route("/")
@login_required
def index():
    if current_user.role == "student":
        from .routes import assigned_exams

        return render_template("exams/student_list.html", exams=assigned_exams(current_user), now=utcnow(),
                               subjects=subject_names(), modes=MODE_LABELS)
    if current_user.role not in ("teacher", "admin"):
        raise NotFound()
    exams = db.session.scalars(select(Exam).where(Exam.owner_id == current_user.id)
                               .order_by(Exam.created_at.desc())).all()
    return render_template("exams/teacher_list.html", exams=exams, subjects=subject_names(), modes=MODE_LABELS)


def question_count(exam: Exam) -> int:
    """How many questions a student will get: the pinned paper, or the blueprint's counts when drawn per student."""
    total = 0
    for section in exam.sections or []:
        if section.get("fill") == "per_student":
            total += sum(int(cell.get("count") or 0) for cell in section.get("blueprint") or [])
        else:
            total += len(section.get("items") or [])
    return total


@web.route("/<int:exam_id>/start")
@login_required
def start(exam_id):
    """Instructions before the timer starts: rules, duration, questions, attempts; “Bắt đầu làm bài” opens the
    paper (the attempt, and its timer, begin only there). An attempt already running goes straight back."""
    _student_only()
    exam = permissions.ensure_takeable(current_user, db.session.get(Exam, exam_id))
    mine = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id,
                                                    Attempt.student_id == current_user.id)).all()
    if any(a.status == "in_progress" for a in mine):
        return redirect(url_for("exams_web.take", exam_id=exam.id))
    now = utcnow()
    state = "open"
    if exam.opens_at and now < exam.opens_at:
        state = "not_open"
    elif exam.closes_at and now >= exam.closes_at:
        state = "closed"
    elif exam.max_attempts is not None and len(mine) >= exam.max_attempts:
        state = "no_attempts"
    from flask_babel import format_datetime

    def when(value):
        return format_datetime(value, "HH:mm 'ngày' dd/MM/yyyy") if value else ""

    return render_template("exams/start.html", exam=exam, subjects=subject_names(), questions=question_count(exam),
                           used=len(mine), state=state, opens=when(exam.opens_at), closes=when(exam.closes_at),
                           review_labels=REVIEW_LABELS, modes=MODE_LABELS,
                           last=max(mine, key=lambda a: a.number) if mine else None)


@web.route("/<int:exam_id>/take")
@login_required
def take(exam_id):
    _student_only()
    exam = permissions.ensure_takeable(current_user, db.session.get(Exam, exam_id))
    return render_template("exams/take.html", exam=exam, subjects=subject_names(),
                           grace=rules.GRACE_SECONDS)


@web.route("/take-sw.js")
@login_required
def take_worker():
    """The take page's service worker. Served from /exams/ (not the static folder) so that it may control a
    page at /exams/<id>/take; each page registers it with its own path as the scope (see take-sw.js)."""
    response = send_from_directory(web.static_folder, "take-sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@web.route("/attempts/<int:attempt_id>")
@login_required
def review(attempt_id):
    attempt = db.session.get(Attempt, attempt_id)
    exam = db.session.get(Exam, attempt.exam_id) if attempt else None
    permissions.ensure_attempt_visible(current_user, attempt, exam)
    if attempts.finalize_if_overdue(attempt, exam):
        db.session.commit()
    doc = attempts.document(attempt, exam, current_user)
    if doc["status"] == "in_progress" and current_user.role == "student":
        return redirect(url_for("exams_web.take", exam_id=exam.id))
    can_grade = permissions.can_manage(current_user, exam)
    student, next_pending = None, None
    if can_grade:
        student = get_user(attempt.student_id)
        next_pending = db.session.scalar(
            select(Attempt.id).where(Attempt.exam_id == exam.id, Attempt.status == "needs_grading",
                                     Attempt.id != attempt.id).order_by(Attempt.submitted_at, Attempt.id).limit(1))
    return render_template("exams/review.html", doc=doc, exam=exam, status_labels=STATUS_LABELS,
                           can_grade=can_grade, may_write=can_grade and current_user.role == "teacher",
                           student=student, next_pending=next_pending)


# -- the create form -----------------------------------------------------------------------------------------

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

    from .schemas import ExamPreviewIn, ExamWrite

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


# -- results, statistics, regrade, printed versions ---------------------------------------------------------

@web.route("/<int:exam_id>/results")
@login_required
def results(exam_id):
    exam = _teacher_exam(exam_id)
    if attempts.submit_overdue_for_exam(exam):
        db.session.commit()
    doc = statistics.results(exam)
    pending = [a for row in doc["rows"] for a in row["attempts"] if a["status"] == "needs_grading"]
    return render_template("exams/results.html", exam=exam, doc=doc, labels=statistics.STATUS_LABELS,
                           subjects=subject_names(), columns=statistics.RESULT_COLUMNS, pending=pending)


@web.route("/<int:exam_id>/release", methods=["POST"])
@login_required
def release(exam_id):
    """The “Công bố điểm” button: same service as POST /api/v1/exams/{id}/release."""
    exam = _owner_exam(exam_id)
    released = request.form.get("released", "1") != "0"
    services.release_scores(current_user, exam, released)
    db.session.commit()
    flash("Đã công bố điểm cho học sinh." if released else "Đã ẩn điểm với học sinh.", "success")
    return redirect(url_for("exams_web.results", exam_id=exam.id))


@web.route("/<int:exam_id>/statistics")
@login_required
def stats(exam_id):
    exam = _teacher_exam(exam_id)
    doc = statistics.cached(exam)
    db.session.commit()
    items = item_report.rows(exam, doc)
    # The map numbers questions as the table does (1, 2, ...), whatever order each student saw them in.
    points = [{"number": r["order"], "facility": q.get("facility"), "discrimination": q.get("discrimination")}
              for r, q in zip(items, doc["questions"])]
    return render_template("exams/statistics.html", exam=exam, doc=doc, items=items,
                           histogram=charts.histogram_svg(doc["histogram"]), item_map=charts.item_map_svg(points),
                           num=charts.vn_number)


def exam_questions(exam: Exam) -> list[dict]:
    """Every question of an exam (pinned in a section or drawn into an attempt) with what a regrade needs."""
    pinned = [(q, v, index) for index, s in enumerate(exam.sections) for q, v in s.get("items") or []]
    drawn = db.session.execute(select(AttemptItem.question_id, AttemptItem.version, AttemptItem.section_index)
                               .join(Attempt, Attempt.id == AttemptItem.attempt_id)
                               .where(Attempt.exam_id == exam.id).distinct()).all()
    seen: dict[int, tuple[int, int]] = {}
    for qid, version, index in [*pinned, *drawn]:
        seen.setdefault(qid, (version, index))
    if not seen:
        return []
    data = bank.get_versions((q, v) for q, (v, _) in seen.items())
    try:
        latest = {v.question_id: v.version for v in bank.latest_versions(get_user(exam.owner_id), list(seen))}
    except DomainError:  # a question since deleted or hidden: no "newer version" hint for any of them
        latest = {}
    out = []
    for n, (qid, (version, index)) in enumerate(seen.items(), start=1):
        body = data[(qid, version)].body
        section = exam.sections[index] if index < len(exam.sections) else {}
        out.append({"number": n, "id": qid, "version": version, "latest": latest.get(qid, version),
                    "type": body["type"], "section": section.get("title", ""),
                    "override": (section.get("overrides") or {}).get(str(qid)),
                    "text": Markup(body.get("stem") or "").striptags()[:140]})
    return out


@web.route("/<int:exam_id>/regrade")
@login_required
def regrade(exam_id):
    exam = _owner_exam(exam_id)
    return render_template("exams/regrade.html", exam=exam, questions=exam_questions(exam),
                           actions=REGRADE_LABELS, override_labels={"drop": "Đã bỏ", "full_credit": "Trọn điểm"})


@web.route("/<int:exam_id>/versions")
@login_required
def versions(exam_id):
    exam = _teacher_exam(exam_id)
    rows = db.session.scalars(select(PaperVersion).where(PaperVersion.exam_id == exam.id)
                              .order_by(PaperVersion.code)).all()
    # Keys are numbers as strings: by length, then text, puts "10" after "9".
    keys = {v.code: sorted((v.answer_key or {}).items(), key=lambda kv: (len(kv[0]), kv[0])) for v in rows}
    return render_template("exams/versions.html", exam=exam, versions=rows, keys=keys,
                           max_versions=rules.MAX_PAPER_VERSIONS, may_write=current_user.role == "teacher")
