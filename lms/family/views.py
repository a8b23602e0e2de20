"""Pages of the parent portal: every child on one page, then one child in full. Phone first."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from lms.accounts import api as accounts
from lms.core.errors import NotFound
from lms.core.permissions import PARENT, require
from lms.curriculum import api as curriculum
from lms.exams import api as exams
from lms.gradebook import api as gradebook
from lms.lectures import api as lectures
from lms.notices import api as notices
from lms.transcripts import api as transcripts

web = Blueprint("family_web", __name__, url_prefix="/parent", template_folder="templates")

KIND_LABELS = {"tx": "Thường xuyên", "gk": "Giữa kì", "ck": "Cuối kì"}


@web.app_template_filter("diem")
def diem(value) -> str:
    """A score as Vietnamese write it: decimal comma ("8,3"); anything not a number is shown as it is."""
    if value in (None, ""):
        return "–"
    try:
        Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return str(value).replace(".", ",")


def _parent():
    require(current_user.role == PARENT, "Trang này dành cho phụ huynh.")
    return current_user._get_current_object()


def _child_view(parent, child: dict, school_year: str | None = None) -> dict:
    """One child's grades, exams and lectures as the child sees them."""
    year = gradebook.student_year(parent, child["id"], school_year)
    rows = exams.student_exams(child["id"])
    names = {}
    for row in rows:
        if row["subject"] not in names:
            info = curriculum.get_subject(row["subject"])
            names[row["subject"]] = info.name if info else row["subject"]
    return {"child": child, "year": year, "exams": rows, "subject_names": names,
            "lectures": lectures.student_lectures(child["id"])["items"],
            "announcements": notices.announcements_for_student(parent, child["id"]),
            "transcripts": transcripts.student_transcripts(child["id"])}


@web.route("/")
@login_required
def portal():
    """Every child of the signed-in parent, each with the year summary, recent results and lectures."""
    parent = _parent()
    views = [_child_view(parent, child) for child in accounts.children(parent.id)]
    return render_template("family/portal.html", views=views, kind_labels=KIND_LABELS)


@web.route("/children/<int:student_id>")
@login_required
def child(student_id):
    """One child in full: every released column, every exam, every lecture; another student is a 404."""
    parent = _parent()
    found = next((c for c in accounts.children(parent.id) if c["id"] == student_id), None)
    if found is None or not accounts.may_follow_student(parent, student_id):
        raise NotFound("Không tìm thấy học sinh.")
    view = _child_view(parent, found, request.args.get("school_year") or None)
    return render_template("family/child.html", view=view, kind_labels=KIND_LABELS)
