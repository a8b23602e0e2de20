"""Console pages for classes: list and create, homeroom teacher, subject teachers, students, account cards."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from lms.core.db import db
from lms.core.downloads import attachment_headers
from lms.core.permissions import STUDENT, TEACHER, page

from .. import organisation, services, years
from ..api import class_students
from ..models import Enrolment, School, SchoolClass, SchoolYear, User
from . import ADMIN_ONLY, form_int, run, school_list, web


def _years() -> list[str]:
    named = list(db.session.scalars(select(SchoolYear.name)))
    used = list(db.session.scalars(select(SchoolClass.school_year).distinct()))
    return sorted(set(named) | set(used), reverse=True)


@web.route("/classes", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def classes():
    status = 200
    if request.method == "POST":
        form = request.form
        grade = form_int(form.get("grade"))
        name = form.get("name", "").strip()
        if not name or len(name) > 40 or grade is None or not 1 <= grade <= 12:
            flash("Nhập tên lớp (tối đa 40 ký tự) và khối từ 1 đến 12.", "error")
            status = 422
        else:
            klass, error = run(services.create_class, current_user, name=name, grade=grade,
                               school_id=form_int(form.get("school_id")) or -1,
                               school_year=form.get("school_year", "").strip(),
                               homeroom_teacher_id=form_int(form.get("homeroom_teacher_id")))
            if error is None:
                flash(f"Đã tạo lớp {klass.name}.", "info")
                return redirect(url_for("admin_web.klass", class_id=klass.id))
            status = error.status
    school_id = form_int(request.args.get("school_id"))
    year = request.args.get("school_year") or years.current_school_year()
    stmt = (select(SchoolClass, func.count(Enrolment.student_id))
            .outerjoin(Enrolment, Enrolment.class_id == SchoolClass.id)
            .group_by(SchoolClass.id)
            .order_by(SchoolClass.school_year.desc(), SchoolClass.grade, SchoolClass.name))
    if school_id:
        stmt = stmt.where(SchoolClass.school_id == school_id)
    if year and year != "all":
        stmt = stmt.where(SchoolClass.school_year == year)
    rows = db.session.execute(stmt).all()
    all_schools = school_list()
    teachers = db.session.scalars(select(User).where(User.role == TEACHER, User.active.is_(True))
                                  .order_by(User.full_name)).all()
    return render_template("admin/classes.html", rows=rows, schools=all_schools, years=_years(), year=year,
                           school_id=school_id, teachers=teachers, current_year=years.current_school_year(),
                           school_names={s.id: s.name for s in all_schools}), status


def _class_or_404(class_id: int) -> SchoolClass:
    return db.session.get(SchoolClass, class_id) or abort(404)


@web.route("/classes/<int:class_id>", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def klass(class_id):
    from lms.curriculum.api import get_subject, subject_names

    klass = _class_or_404(class_id)
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        status = _class_action(klass, action, request.form)
        if status == 303:
            return redirect(url_for("admin_web.klass", class_id=klass.id), code=303)
    school_teachers = db.session.scalars(select(User).where(User.role == TEACHER, User.school_id == klass.school_id,
                                                            User.active.is_(True)).order_by(User.full_name)).all()
    students = class_students(klass.id)
    enrolled = {s.id for s in students}
    others = [u for u in db.session.scalars(select(User).where(User.role == STUDENT, User.active.is_(True),
                                                               User.school_id == klass.school_id)
                                            .order_by(User.full_name).limit(2000)) if u.id not in enrolled]
    names = subject_names()
    # The subjects of this grade under the 2018 programme first, so the picker is short on a phone.
    subjects = sorted(names.items(), key=lambda item: item[1])
    of_grade = [(c, n) for c, n in subjects if get_subject(c).periods_for(klass.grade)]
    subjects = of_grade or subjects
    return render_template("admin/class.html", klass=klass, school=db.session.get(School, klass.school_id),
                           teachers=school_teachers, students=students, others=others,
                           assignments=organisation.class_assignments(klass), subjects=subjects,
                           subject_names=names, years=_years()), status


def _class_action(klass: SchoolClass, action: str | None, form) -> int:
    """Apply one of the class page's forms; 303 when done (the page reloads), else the error status."""
    if action == "edit":
        grade = form_int(form.get("grade"))
        if grade is None or not 1 <= grade <= 12 or not form.get("name", "").strip():
            flash("Nhập tên lớp và khối từ 1 đến 12.", "error")
            return 422
        _, error = run(organisation.update_class, current_user, klass, name=form["name"].strip()[:40], grade=grade,
                       school_year=form.get("school_year", klass.school_year),
                       homeroom_teacher_id=form_int(form.get("homeroom_teacher_id")))
        message = "Đã lưu thông tin lớp."
    elif action == "assign":
        _, error = run(services.assign_teacher, current_user, klass, form_int(form.get("teacher_id")) or -1,
                       form.get("subject", ""))
        message = "Đã phân công giáo viên bộ môn."
    elif action == "unassign":
        _, error = run(organisation.unassign_teacher, current_user, klass, form_int(form.get("teacher_id")) or -1,
                       form.get("subject", ""))
        message = "Đã bỏ phân công."
    elif action == "enrol":
        ids = [i for i in (form_int(v) for v in form.getlist("student_ids")) if i]
        usernames = [u.strip() for u in form.get("usernames", "").replace(",", "\n").splitlines() if u.strip()]
        if usernames:
            found = dict(db.session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all())
            missing = [u for u in usernames if u not in found]
            if missing:
                flash("Không có tài khoản: " + ", ".join(missing[:20]), "error")
                return 422
            ids += list(found.values())
        if not ids:
            flash("Chọn học sinh hoặc nhập tên đăng nhập.", "error")
            return 422
        _, error = run(services.enrol_students, current_user, klass, ids)
        message = f"Đã thêm {len(ids)} học sinh vào lớp."
    elif action == "unenrol":
        _, error = run(organisation.unenrol_student, current_user, klass, form_int(form.get("student_id")) or -1)
        message = "Đã rút học sinh khỏi lớp."
    else:
        flash("Thao tác không hợp lệ.", "error")
        return 400
    if error is not None:
        return error.status
    flash(message, "info")
    return 303


@web.route("/classes/<int:class_id>/cards", methods=["POST"])
@page(ADMIN_ONLY)
def cards(class_id):
    """Print account cards for the class (or the chosen students): each gets a fresh first-login password.

    POST only: printing resets those students' passwords, so it must not happen from a link or a prefetch.
    """
    from .cards import render_cards

    klass = _class_or_404(class_id)
    students = [s for s in class_students(klass.id) if s.active]
    chosen = {i for i in (form_int(v) for v in request.form.getlist("student_ids")) if i}
    if chosen:
        students = [s for s in students if s.id in chosen]
    if not students:
        flash("Lớp chưa có học sinh nào để in thẻ.", "error")
        return redirect(url_for("admin_web.klass", class_id=klass.id), code=303)
    passwords = services.reset_passwords(current_user, students)
    entries = [{"full_name": s.full_name, "username": s.username, "password": passwords[s.id]} for s in students]
    school = db.session.get(School, klass.school_id)
    pdf = render_cards(entries, class_name=klass.name, school_year=klass.school_year,
                       school_name=school.name if school else "", login_url=request.host_url.rstrip("/") + "/login")
    db.session.commit()  # only once the PDF exists: a failed rendering leaves every old password in place
    filename = f"the-tai-khoan-lop-{klass.name}-{klass.school_year}.pdf"
    return Response(pdf, mimetype="application/pdf",
                    headers={**attachment_headers(filename), "Cache-Control": "no-store"})
