"""Console pages for schools and school years."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import ValidationFailed
from lms.core.formatting import parse_vn_date
from lms.core.permissions import STUDENT, TEACHER, page

from .. import organisation, services
from .. import years as school_years
from ..models import School, SchoolClass, SchoolYear, User
from . import ADMIN_ONLY, run, web


def _school_rows():
    people = {(sid, role): n for sid, role, n in db.session.execute(
        select(User.school_id, User.role, func.count()).where(User.active.is_(True))
        .group_by(User.school_id, User.role))}
    classes = dict(db.session.execute(select(SchoolClass.school_id, func.count()).group_by(SchoolClass.school_id)).all())
    return [{"school": s, "classes": classes.get(s.id, 0), "teachers": people.get((s.id, TEACHER), 0),
             "students": people.get((s.id, STUDENT), 0)}
            for s in db.session.scalars(select(School).order_by(School.name))]


@web.route("/schools", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def schools():
    status = 200
    if request.method == "POST":
        name, code = request.form.get("name", "").strip(), request.form.get("code", "").strip()
        if not name or not code or len(name) > 200 or len(code) > 40:
            flash("Nhập tên trường (tối đa 200 ký tự) và mã trường (tối đa 40 ký tự).", "error")
            status = 422
        else:
            school, error = run(services.create_school, current_user, name=name, code=code)
            if error is None:
                flash(f"Đã tạo trường {school.name}.", "info")
                return redirect(url_for("admin_web.school", school_id=school.id))
            status = error.status
    return render_template("admin/schools.html", rows=_school_rows(), form=request.form), status


@web.route("/schools/<int:school_id>", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def school(school_id):
    school = db.session.get(School, school_id) or abort(404)
    status = 200
    if request.method == "POST":
        name, code = request.form.get("name", "").strip(), request.form.get("code", "").strip()
        if not name or not code or len(name) > 200 or len(code) > 40:
            flash("Nhập tên trường và mã trường.", "error")
            status = 422
        else:
            _, error = run(organisation.update_school, current_user, school, name=name, code=code)
            if error is None:
                flash("Đã lưu thông tin trường.", "info")
                return redirect(url_for("admin_web.school", school_id=school.id))
            status = error.status
    classes = db.session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)
                                 .order_by(SchoolClass.school_year.desc(), SchoolClass.grade, SchoolClass.name)).all()
    return render_template("admin/school.html", school=school, classes=classes), status


def _parse_year_form(form) -> dict:
    errors = {}
    out = {"name": form.get("name", "").strip(), "is_current": form.get("is_current") == "on"}
    for key in ("starts_on", "ends_on"):
        try:
            out[key] = parse_vn_date(form.get(key, ""))
        except ValueError as exc:
            errors[key] = [str(exc)]
        if out.get(key) is None and key not in errors:
            errors[key] = ["Nhập ngày (dd/mm/yyyy)."]
    if errors:
        raise ValidationFailed(errors=errors)
    return out


@web.route("/years", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def years():
    status = 200
    if request.method == "POST":
        _, error = run(lambda: school_years.save_school_year(current_user, **_parse_year_form(request.form)))
        if error is None:
            flash("Đã thêm năm học.", "info")
            return redirect(url_for("admin_web.years"))
        status = error.status
    rows = db.session.scalars(select(SchoolYear).order_by(SchoolYear.name.desc())).all()
    class_counts = dict(db.session.execute(select(SchoolClass.school_year, func.count())
                                           .group_by(SchoolClass.school_year)).all())
    # Years that classes use but nobody has entered dates for yet are listed too, so none is invisible.
    undated = sorted(set(class_counts) - {y.name for y in rows}, reverse=True)
    suggestion = _next_year_name(rows, undated)
    return render_template("admin/years.html", rows=rows, undated=undated, class_counts=class_counts,
                           suggestion=suggestion, form=request.form), status


def _next_year_name(rows, undated) -> str:
    names = [y.name for y in rows] + list(undated)
    if not names:
        today = date.today()
        first = today.year if today.month >= 8 else today.year - 1
    else:
        first = max(int(n[:4]) for n in names) + 1
    return f"{first}-{first + 1}"


@web.route("/years/<int:year_id>", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def year(year_id):
    year = db.session.get(SchoolYear, year_id) or abort(404)
    status = 200
    if request.method == "POST":
        _, error = run(lambda: school_years.save_school_year(current_user, year=year, **_parse_year_form(request.form)))
        if error is None:
            flash("Đã lưu năm học.", "info")
            return redirect(url_for("admin_web.years"))
        status = error.status
    return render_template("admin/year.html", year=year), status


@web.route("/promote", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def promote():
    """"Lên lớp": preview, then create next year's classes of a school with the same students."""
    from . import form_int, school_list

    source = request.values
    school_id = form_int(source.get("school_id"))
    from_year, to_year = (source.get("from_year") or "").strip(), (source.get("to_year") or "").strip()
    school = db.session.get(School, school_id) if school_id else None
    status = 200
    if request.method == "POST" and school is not None:
        made, error = run(school_years.promote_classes, current_user, school.id, from_year, to_year)
        if error is None:
            flash(f"Đã chuyển {len(made)} lớp của {school.name} sang năm học {to_year}.", "info")
            return redirect(url_for("admin_web.classes", school_id=school.id, school_year=to_year), code=303)
        status = error.status
    plan = school_years.promotion_plan(school.id, from_year, to_year) if school and from_year and to_year else None
    used = sorted(set(db.session.scalars(select(SchoolClass.school_year).distinct())), reverse=True)
    return render_template("admin/promote.html", schools=school_list(), school=school, from_year=from_year,
                           to_year=to_year, plan=plan, used_years=used,
                           current=school_years.current_school_year()), status
