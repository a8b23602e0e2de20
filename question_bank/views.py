"""Teacher and department pages of the question bank: browser, editor, import, review queue.

Pages read through the same services and permission rules as the API; every write goes through the JSON API
from the pages' scripts (static/question_bank/*.js), so the rules live in one place.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from lms.core.errors import Forbidden, NotFound
from lms.core.rest import DB_INT_MAX, paginate, whole_number

from . import permissions, services
from .models import LEVELS, STATUSES
from .transfer import IMPORT_FORMATS
from .types import type_label, type_names

web = Blueprint("question_bank_web", __name__, url_prefix="/questions", template_folder="templates",
                static_folder="static", static_url_path="/static/question_bank")

LEVEL_LABELS = {"nhan_biet": "Nhận biết", "thong_hieu": "Thông hiểu", "van_dung": "Vận dụng",
                "van_dung_cao": "Vận dụng cao"}
STATUS_LABELS = {"draft": "Nháp", "in_review": "Chờ duyệt", "published": "Đã công bố", "rejected": "Bị từ chối"}
SCOPE_LABELS = {"personal": "Cá nhân", "school": "Trong trường", "shared": "Dùng chung"}
#: The audit trail's actions and edited fields, in words (unknown ones show as recorded).
ACTION_LABELS = {"created": "Tạo câu hỏi", "imported": "Nhập từ tệp", "edited": "Sửa", "deleted": "Xoá",
                 "published": "Chia sẻ trong trường", "submitted": "Gửi duyệt", "approved": "Duyệt",
                 "rejected": "Từ chối"}
FIELD_LABELS = {"stem": "đề bài", "explanation": "lời giải", "options": "phương án", "statements": "các ý",
                "answers": "đáp án", "pairs": "cặp ghép", "items": "thứ tự", "gaps": "chỗ trống", "text": "đoạn văn",
                "rubric": "hướng dẫn chấm", "answer": "đáp án", "subject": "môn", "grade": "khối",
                "topic_id": "chủ đề", "level": "mức độ", "difficulty": "độ khó", "tags": "thẻ", "type": "dạng câu"}
FORMAT_LABELS = {"aiken": "Aiken (.txt)", "gift": "GIFT (.txt)", "moodle_xml": "Moodle XML (.xml)",
                 "qti": "QTI 2.1, 2.2, 3.0 (.zip, .xml)", "docx": "Word (.docx)"}


def _staff_only() -> None:
    # Students never see the bank, not even its empty shell.
    if current_user.role not in ("teacher", "department", "admin"):
        raise Forbidden("Ngân hàng câu hỏi chỉ dành cho giáo viên và tổ chuyên môn.")


def _int_arg(name: str, low: int | None = None, high: int | None = None) -> int | None:
    return whole_number(request.args.get(name), 0 if low is None else low, DB_INT_MAX if high is None else high)


def _choice_arg(name: str, choices) -> str | None:
    value = request.args.get(name) or None
    return value if value in choices else None


def _labels() -> dict:
    from lms.curriculum.api import subject_names

    return {"levels": LEVEL_LABELS, "statuses": STATUS_LABELS, "scopes": SCOPE_LABELS,
            "types": {name: type_label(name) for name in type_names()}, "subjects": subject_names()}


@web.route("/")
@login_required
def index():
    """The bank browser with filters and pagination."""
    _staff_only()
    subjects = _labels()["subjects"]
    filters = {
        "subject": _choice_arg("subject", subjects), "grade": _int_arg("grade", 1, 12),
        "topic_id": _int_arg("topic_id"), "level": _choice_arg("level", LEVELS),
        "type": _choice_arg("type", type_names()), "status": _choice_arg("status", STATUSES),
        "scope": _choice_arg("scope", SCOPE_LABELS), "q": (request.args.get("q") or "").strip()[:200] or None,
        "mine": request.args.get("mine") == "1",
    }
    page = paginate(services.list_statement(current_user, filters), _int_arg("page", 1) or 1, 20)
    rows = [(q, services.teacher_view(q)) for q in page.items]
    pages = max(1, -(-page.total // page.per_page))
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("question_bank/index.html", rows=rows, page=page, pages=pages, filters=filters,
                           args=args, can_edit=lambda q: permissions.can_edit(current_user, q), **_labels())


@web.route("/new")
@login_required
def new():
    """The editor for a new question."""
    _staff_only()
    return render_template("question_bank/edit.html", question=None, **_labels())


@web.route("/<int:question_id>")
@login_required
def detail(question_id: int):
    """One question with its keys, its versions and its audit trail."""
    _staff_only()
    question = permissions.ensure_visible(current_user, services.get_question(question_id))
    version = _int_arg("version", 1, question.current_version) or question.current_version
    view = services.teacher_view(question, services.version_row(question, version))
    return render_template("question_bank/detail.html", question=question, q=view,
                           history=services.history(question),
                           can_edit=permissions.can_edit(current_user, question),
                           can_submit=(question.owner_id == current_user.id or current_user.role == "admin")
                           and question.status in ("draft", "rejected"),
                           can_review=permissions.can_review(current_user, question)
                           and question.status == "in_review",
                           duplicates=services.find_duplicates(question), action_labels=ACTION_LABELS,
                           field_labels=FIELD_LABELS, **_labels())


@web.route("/<int:question_id>/edit")
@login_required
def edit(question_id: int):
    """The editor for an existing question (saving makes a new version)."""
    _staff_only()
    question = permissions.ensure_visible(current_user, services.get_question(question_id))
    if not permissions.can_edit(current_user, question):
        raise NotFound("Không tìm thấy câu hỏi.")
    return render_template("question_bank/edit.html", question=question, **_labels())


@web.route("/import")
@login_required
def import_page():
    """Upload a file, read the dry-run report, then import the good items."""
    _staff_only()
    return render_template("question_bank/import.html", formats={f: FORMAT_LABELS[f] for f in IMPORT_FORMATS},
                           **_labels())


@web.route("/import/mau-cau-hoi.docx")
@login_required
def import_template():
    """The Word template of the import layout (question_bank.import_template)."""
    from flask import Response

    from .import_template import template_docx

    _staff_only()
    return Response(template_docx(), headers={"Content-Disposition": 'attachment; filename="mau-cau-hoi.docx"'},
                    mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@web.route("/review")
@login_required
def review_queue():
    """The department's queue of shared questions waiting for a decision."""
    if current_user.role not in ("department", "admin"):
        raise Forbidden("Chỉ tổ chuyên môn / Sở GD&ĐT duyệt câu hỏi dùng chung.")
    stmt = services.list_statement(current_user, {"status": "in_review", "scope": "shared"})
    page = paginate(stmt, _int_arg("page", 1) or 1, 20)
    rows = [(q, services.teacher_view(q), services.find_duplicates(q)) for q in page.items]
    pages = max(1, -(-page.total // page.per_page))
    return render_template("question_bank/review.html", rows=rows, page=page, pages=pages, **_labels())
