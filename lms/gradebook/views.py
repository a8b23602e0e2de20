"""Web pages of the gradebook: the teacher's grid, the change log and the student's "Điểm của tôi"."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import api as accounts
from lms.core.db import db
from lms.core.errors import NotFound
from lms.core.permissions import ADMIN, STUDENT, TEACHER, require
from lms.curriculum import api as curriculum

from . import permissions, rules, services, spreadsheets

web = Blueprint("gradebook_web", __name__, url_prefix="/gradebook", template_folder="templates",
                static_folder="static", static_url_path="/static/gradebook")

KIND_LABELS = {"tx": "Thường xuyên", "gk": "Giữa kì", "ck": "Cuối kì"}


def _int_arg(name: str, allowed: tuple[int, ...] | None = None) -> int:
    value = request.args.get(name, type=int)
    if value is None or allowed is not None and value not in allowed:
        raise NotFound("Thiếu hoặc sai tham số " + name + ".")
    return value


def _book_args():
    class_id, semester = _int_arg("class_id"), _int_arg("semester", (1, 2))
    subject = request.args.get("subject", "")
    if curriculum.get_subject(subject) is None:
        raise NotFound("Không có môn học này.")
    return class_id, subject, semester


def _visible_classes():
    """Classes the user may open, with or without any column yet: every class of an admin's school (every
    class for an admin without a school), a teacher's taught and homeroom classes."""
    if current_user.role == ADMIN:
        ids = accounts.all_class_ids(current_user.school_id)
    else:
        ids = sorted({cid for cid, _ in accounts.teaching_assignments(current_user.id)}
                     | accounts.taught_class_ids(current_user.id))
    classes = [accounts.get_class(cid) for cid in ids]
    return [k for k in classes if k is not None]


def _my_books(classes) -> list[dict]:
    """The teacher's own (class, subject) pairs as one-click links to semester I."""
    if current_user.role != TEACHER:
        return []
    by_id = {k.id: k for k in classes}
    names = curriculum.subject_names()
    return [{"class_id": cid, "class_name": by_id[cid].name, "subject": code, "subject_name": names.get(code, code)}
            for cid, code in accounts.teaching_assignments(current_user.id) if cid in by_id]


@web.route("/")
@login_required
def index():
    """Teachers pick a class, subject and semester; students go to their own scores."""
    if current_user.role == STUDENT:
        return redirect(url_for("gradebook_web.mine"))
    require(current_user.role in (ADMIN, TEACHER))
    if request.args.get("class_id") and request.args.get("subject"):
        return redirect(url_for("gradebook_web.grid", **request.args))
    subjects = sorted(curriculum.subject_names().items(), key=lambda item: item[1])
    classes = _visible_classes()
    return render_template("gradebook/index.html", classes=classes, subjects=subjects, my_books=_my_books(classes))


@web.route("/grid")
@login_required
def grid():
    """The spreadsheet-like entry grid of one gradebook."""
    class_id, subject, semester = _book_args()
    klass = permissions.ensure_readable(current_user, class_id, subject)
    book = services.build_gradebook(klass, subject, semester)
    editable = permissions.gradebook_access(current_user, class_id, subject) == permissions.EDIT
    labels = dict(zip([c["id"] for c in book["columns"]], spreadsheets.column_labels(book["columns"])))
    return render_template("gradebook/grid.html", book=book, editable=editable, labels=labels,
                           kind_labels=KIND_LABELS, charts=class_charts(book, labels))


def class_charts(book: dict, labels: dict) -> dict | None:
    """The class at a glance (scored subjects, grades 6–12): semester averages by the Thông tư 22 bands and
    each column's class mean. None when there is nothing to chart yet."""
    from decimal import Decimal

    from lms.core.charts import bar_chart

    if book["primary"] or book["graded_by"] != rules.GRADED_BY_SCORE or not book["rows"]:
        return None
    bands = [("Dưới 3,5", None, rules.PASS_MIN_EVERY), ("3,5 – dưới 5,0", rules.PASS_MIN_EVERY, rules.PASS_HIGH_SCORE),
             ("5,0 – dưới 6,5", rules.PASS_HIGH_SCORE, rules.FAIR_HIGH_SCORE),
             ("6,5 – dưới 8,0", rules.FAIR_HIGH_SCORE, rules.GOOD_HIGH_SCORE), ("Từ 8,0", rules.GOOD_HIGH_SCORE, None)]
    counts = [0] * len(bands)
    averaged = 0
    for row in book["rows"]:
        if not row["average"]:
            continue
        value = Decimal(row["average"])
        averaged += 1
        for i, (_, low, high) in enumerate(bands):
            if (low is None or value >= low) and (high is None or value < high):
                counts[i] += 1
    means, names = [], []
    for column in book["columns"]:
        values = [Decimal(row["scores"][str(column["id"])]) for row in book["rows"]
                  if (row["scores"].get(str(column["id"])) or "").replace(".", "", 1).isdigit()]
        if values:
            names.append(labels.get(column["id"], column["title"]))
            means.append(rules.record_score(sum(values) / len(values)))
    if not averaged and not means:
        return None
    return {
        "bands": bar_chart([b[0] for b in bands], [("Số học sinh", counts)], y_label="Số học sinh",
                           title=f"Điểm trung bình môn học kì (ĐTBmhk) của {averaged}/{len(book['rows'])} học sinh "
                                 "theo các mức của Thông tư 22") if averaged else None,
        "means": bar_chart(names, [("Điểm trung bình của lớp", means)], y_label="Điểm", max_value=10, decimals=1,
                           title="Điểm trung bình của lớp theo từng cột điểm") if means else None,
    }


@web.route("/changes")
@login_required
def changes():
    """The change log page (who changed which score, when and why)."""
    class_id, subject, semester = _book_args()
    klass = permissions.ensure_readable(current_user, class_id, subject)
    page = max(request.args.get("page", 1, type=int), 1)
    items = db.session.scalars(services.change_log(class_id, subject, semester).limit(100)
                               .offset((page - 1) * 100)).all()
    names = {}
    for item in items:
        for uid in (item.student_id, item.changed_by):
            if uid and uid not in names:
                user = accounts.get_user(uid)
                names[uid] = user.full_name if user else str(uid)
    columns = {c.id: c.title for c in services.book_columns(class_id, subject, semester)}
    return render_template("gradebook/changes.html", klass=klass, subject=curriculum.get_subject(subject),
                           semester=semester, items=items, names=names, columns=columns, page=page)


@web.route("/me")
@login_required
def mine():
    """Điểm của tôi: the signed-in student's scores and averages."""
    require(current_user.role == STUDENT, "Trang này dành cho học sinh.")
    return _year_page(current_user.id)


@web.route("/students/<int:student_id>")
@login_required
def student(student_id):
    """A student's year as their teachers see it."""
    return _year_page(student_id)


def _year_page(student_id: int):
    level = permissions.ensure_student_visible(current_user, student_id)
    school_year = request.args.get("school_year") or None
    year = services.student_year(current_user, student_id, level, school_year)
    return render_template("gradebook/student.html", year=year, own=current_user.id == student_id,
                           kind_labels=KIND_LABELS)
