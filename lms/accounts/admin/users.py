"""Console pages for users: search and filter, create, edit, deactivate/reactivate, reset password, role."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from lms.core.db import db
from lms.core.permissions import ROLES, page
from lms.core.rest import paginate

from .. import services
from ..models import Enrolment, SchoolClass, User
from . import ADMIN_ONLY, ROLE_NAMES, form_int, local_time, run, school_list, web

PER_PAGE = 50


@web.route("/users")
@page(ADMIN_ONLY)
def users():
    args = request.args
    role = args.get("role") if args.get("role") in ROLES else None
    school_id, class_id = form_int(args.get("school_id")), form_int(args.get("class_id"))
    state = args.get("state") if args.get("state") in ("active", "inactive", "must_change") else None
    q = (args.get("q") or "").strip()[:100]
    stmt = select(User).order_by(User.school_id, User.role, User.full_name, User.id)
    if role:
        stmt = stmt.where(User.role == role)
    if school_id:
        stmt = stmt.where(User.school_id == school_id)
    if class_id:
        stmt = stmt.where(User.id.in_(select(Enrolment.student_id).where(Enrolment.class_id == class_id)))
    if state == "active":
        stmt = stmt.where(User.active.is_(True))
    elif state == "inactive":
        stmt = stmt.where(User.active.is_(False))
    elif state == "must_change":
        stmt = stmt.where(User.must_change_password.is_(True))
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.full_name.ilike(like), User.student_code.ilike(like)))
    number = max(1, form_int(args.get("page")) or 1)
    result = paginate(stmt, number, PER_PAGE)
    class_stmt = select(SchoolClass).order_by(SchoolClass.school_year.desc(), SchoolClass.name)
    if school_id:
        class_stmt = class_stmt.where(SchoolClass.school_id == school_id)
    all_schools = school_list()
    filters = {k: v for k, v in dict(role=role, school_id=school_id, class_id=class_id, state=state, q=q).items() if v}
    return render_template("admin/users.html", result=result, filters=filters, roles=ROLES, role_names=ROLE_NAMES,
                           schools=all_schools, school_names={s.id: s.name for s in all_schools},
                           classes=db.session.scalars(class_stmt.limit(500)).all(),
                           pages=(result.total + PER_PAGE - 1) // PER_PAGE)


@web.route("/users/new", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def new_user():
    status = 200
    if request.method == "POST":
        form = request.form
        role = form.get("role", "")
        username = form.get("username", "").strip()
        password = services.generate_password()
        if not username or len(username) > 80 or not all(c.isascii() and (c.isalnum() or c in "._@-") for c in username):
            flash("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ @ - (tối đa 80 ký tự).", "error")
            status = 422
        else:
            user, error = run(_create, username=username, password=password,
                              full_name=form.get("full_name", "").strip()[:200], role=role,
                              school_id=form_int(form.get("school_id")),
                              student_code=form.get("student_code", "").strip()[:40] or None)
            if error is None:
                return render_template("admin/password_issued.html", user=user, password=password, created=True)
            status = error.status
    return render_template("admin/user_new.html", roles=ROLES, role_names=ROLE_NAMES, schools=school_list(),
                           form=request.form), status


def _create(**fields) -> User:
    user = services.create_user(current_user, **fields)
    user.must_change_password = True  # the admin chose nothing the user knows: they pick their own at sign-in
    return user


@web.route("/users/<int:user_id>", methods=["GET", "POST"])
@page(ADMIN_ONLY)
def user(user_id):
    user = db.session.get(User, user_id) or abort(404)
    status = 200
    if request.method == "POST":
        action, form = request.form.get("action"), request.form
        if action == "reset_password":
            password, error = run(services.reset_password, current_user, user)
            if error is None:
                return render_template("admin/password_issued.html", user=user, password=password, created=False)
            status = error.status
        else:
            if action == "edit":
                fields = dict(full_name=form.get("full_name", "").strip()[:200] or user.full_name,
                              role=form.get("role", user.role), school_id=form_int(form.get("school_id")),
                              student_code=form.get("student_code", "").strip()[:40] or None)
                message = "Đã lưu tài khoản."
            elif action in ("deactivate", "activate"):
                fields = dict(active=action == "activate")
                message = "Đã mở lại tài khoản." if action == "activate" else "Đã khoá tài khoản."
            else:
                abort(400)
            _, error = run(services.update_user, current_user, user, **fields)
            if error is None:
                flash(message, "info")
                return redirect(url_for("admin_web.user", user_id=user.id), code=303)
            status = error.status
    classes = []
    if user.role == "student":
        classes = db.session.scalars(select(SchoolClass).join(Enrolment, Enrolment.class_id == SchoolClass.id)
                                     .where(Enrolment.student_id == user.id)
                                     .order_by(SchoolClass.school_year.desc())).all()
    elif user.role == "teacher":
        from ..api import taught_class_ids

        ids = taught_class_ids(user.id)
        classes = db.session.scalars(select(SchoolClass).where(SchoolClass.id.in_(ids or {-1}))
                                     .order_by(SchoolClass.school_year.desc(), SchoolClass.name)).all()
    return render_template("admin/user.html", user=user, roles=ROLES, role_names=ROLE_NAMES, schools=school_list(),
                           classes=classes, last_seen=local_time(user.last_seen_at)), status
