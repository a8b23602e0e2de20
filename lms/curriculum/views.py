"""The department's topic catalogue page: browse the tree per subject and grade, edit it, import a CSV.

Plain server-side forms (CSRF-protected by Flask-WTF), so the page works on any phone without scripts.
"""
from __future__ import annotations

import functools

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.core.db import db
from lms.core.errors import DomainError
from lms.core.permissions import ADMIN, DEPARTMENT, TEACHER, require

from . import services, topic_import
from .models import Subject, Topic

web = Blueprint("curriculum_web", __name__, url_prefix="/topics", template_folder="templates")

CURATORS = (DEPARTMENT, ADMIN)


def _roles(*names):
    """Pages for some roles only: others get the 403 page (the role layer of the API, for HTML routes)."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            require(current_user.role in names)
            return view(*args, **kwargs)
        return wrapper
    return decorator


def _selection() -> tuple[str, int]:
    subject = request.values.get("subject") or "toan"
    if db.session.get(Subject, subject) is None:
        subject = "toan"
    grade = request.values.get("grade", type=int) or 10
    return subject, min(max(grade, 1), 12)


def _tree(subject: str, grade: int) -> list[dict]:
    topics = db.session.scalars(select(Topic).where(Topic.subject_code == subject, Topic.grade == grade)
                                .order_by(Topic.position, Topic.id)).all()
    children: dict[int | None, list[Topic]] = {}
    for topic in topics:
        children.setdefault(topic.parent_id, []).append(topic)

    def nodes(parent_id, depth):
        out = []
        for topic in children.get(parent_id, []):
            out.append({"topic": topic, "depth": depth})
            out.extend(nodes(topic.id, depth + 1))
        return out

    return nodes(None, 0)


def _back(subject: str, grade: int):
    return redirect(url_for("curriculum_web.index", subject=subject, grade=grade))


@web.route("/")
@login_required
@_roles(TEACHER, DEPARTMENT, ADMIN)
def index():
    subject, grade = _selection()
    subjects = db.session.scalars(select(Subject).order_by(Subject.name)).all()
    return render_template("curriculum/topics.html", subjects=subjects, subject=subject, grade=grade,
                           nodes=_tree(subject, grade), counts=topic_import.topic_counts(),
                           can_edit=current_user.role in CURATORS, report=None)


@web.route("/add", methods=["POST"])
@login_required
@_roles(*CURATORS)
def add():
    subject, grade = _selection()
    name = (request.form.get("name") or "").strip()
    parent_id = request.form.get("parent_id", type=int)
    try:
        if not name or len(name) > topic_import.NAME_MAX:
            flash("Tên chủ đề cần từ 1 đến 200 kí tự.", "error")
        else:
            services.create_topic(current_user, subject=subject, grade=grade, name=name, parent_id=parent_id)
            db.session.commit()
            flash(f"Đã thêm “{name}”.", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(" ".join(m for ms in (exc.errors or {}).values() for m in ms) or exc.detail, "error")
    return _back(subject, grade)


@web.route("/<int:topic_id>/edit", methods=["POST"])
@login_required
@_roles(*CURATORS)
def edit(topic_id: int):
    topic = services.get_topic(topic_id)
    subject, grade = topic.subject_code, topic.grade
    action = request.form.get("action")
    if action == "rename":
        name = (request.form.get("name") or "").strip()
        if not name or len(name) > topic_import.NAME_MAX:
            flash("Tên chủ đề cần từ 1 đến 200 kí tự.", "error")
            return _back(subject, grade)
        services.update_topic(current_user, topic, name=name)
        flash("Đã đổi tên chủ đề.", "success")
    elif action in ("up", "down"):
        services.update_topic(current_user, topic, position=max(0, topic.position + (-1 if action == "up" else 1)))
    elif action == "delete":
        name = topic.name
        services.delete_topic(current_user, topic)
        flash(f"Đã xoá “{name}” và các chủ đề con.", "success")
    db.session.commit()
    return _back(subject, grade)


@web.route("/import", methods=["POST"])
@login_required
@_roles(*CURATORS)
def import_csv():
    subject, grade = _selection()
    upload = request.files.get("file")
    preview = request.form.get("action") != "import"
    report, problem = None, None
    if upload is None or not upload.filename:
        problem = "Chọn tệp CSV để nhập."
    else:
        data = upload.read(topic_import.MAX_IMPORT_BYTES + 1)
        if len(data) > topic_import.MAX_IMPORT_BYTES:
            problem = "Tệp lớn quá 2 MB."
        else:
            try:
                report = topic_import.import_csv(current_user, data, dry_run=preview)
            except DomainError as exc:
                problem = " ".join(m for ms in (exc.errors or {}).values() for m in ms) or exc.detail
    if report is not None and not report.dry_run:
        db.session.commit()
        flash(f"Đã nhập: thêm {report.created} chủ đề, {report.existing} dòng đã có.", "success")
    else:
        db.session.rollback()
    if problem:
        flash(problem, "error")
    subjects = db.session.scalars(select(Subject).order_by(Subject.name)).all()
    return render_template("curriculum/topics.html", subjects=subjects, subject=subject, grade=grade,
                           nodes=_tree(subject, grade), counts=topic_import.topic_counts(), can_edit=True,
                           report=report), 422 if problem else 200
