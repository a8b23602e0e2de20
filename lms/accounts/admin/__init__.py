"""The admin console (``/admin``): schools, school years, classes, users, roster import and account cards.

Server-rendered pages for the ``admin`` role only, guarded by ``lms.core.permissions.page``; every change goes
through ``lms.accounts.services`` so the console and the JSON API keep the same rules.
"""
from __future__ import annotations

from flask import Blueprint, Flask, flash, render_template, request
from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import DomainError
from lms.core.permissions import ADMIN, DEPARTMENT, ROLES, STUDENT, TEACHER, page, roles

from ..models import School, SchoolClass, User

web = Blueprint("admin_web", __name__, url_prefix="/admin", static_folder="static",
                static_url_path="/static")
ADMIN_ONLY = roles(ADMIN)
ROLE_NAMES = {ADMIN: "Quản trị", DEPARTMENT: "Sở/Phòng GD&ĐT", TEACHER: "Giáo viên", STUDENT: "Học sinh",
              "parent": "Phụ huynh"}
ROLE_NAMES.update({r: r for r in ROLES if r not in ROLE_NAMES})


def run(action, *args, **kwargs):
    """Call a service and commit; on a domain error roll back and flash its message. Returns (result, error)."""
    try:
        result = action(*args, **kwargs)
        db.session.commit()
        return result, None
    except DomainError as exc:
        db.session.rollback()
        messages = [m for values in (exc.errors or {}).values() for m in _flatten(values)]
        flash(" ".join(messages) if messages else exc.detail, "error")
        return None, exc


def _flatten(values):
    if isinstance(values, dict):
        for inner in values.values():
            yield from _flatten(inner)
    elif isinstance(values, (list, tuple)):
        for inner in values:
            yield from _flatten(inner)
    else:
        yield str(values)


def form_int(value) -> int | None:
    """An optional integer form field: blank means None; anything else that is not a number is None too."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def local_time(moment) -> str:
    """``dd/mm/yyyy HH:MM`` in the configured ``TIMEZONE`` (Vietnam time by default); times are stored in UTC."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    if moment is None:
        return ""
    zone = current_app.config.get("TIMEZONE") or current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh"
    return moment.astimezone(ZoneInfo(zone)).strftime("%d/%m/%Y %H:%M")


def school_list() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name)))


@web.after_request
def no_store(response):
    # Console pages show personal data and freshly issued passwords: never kept by a browser or proxy cache.
    if request.endpoint != "admin_web.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@web.route("/")
@page(ADMIN_ONLY)
def index():
    from .. import years

    by_role = dict(db.session.execute(select(User.role, func.count()).where(User.active.is_(True))
                                      .group_by(User.role)).all())
    counts = {"schools": db.session.scalar(select(func.count()).select_from(School)),
              "classes": db.session.scalar(select(func.count()).select_from(SchoolClass)),
              "must_change": db.session.scalar(select(func.count()).select_from(User)
                                               .where(User.must_change_password.is_(True), User.active.is_(True)))}
    return render_template("admin/index.html", counts=counts, by_role=by_role, role_names=ROLE_NAMES,
                           current_year=years.current_school_year())


def init_app(app: Flask) -> None:
    from lms.core.web import register_nav

    from . import classes, imports, schools, users  # noqa: F401  (routes register on import)

    app.register_blueprint(web)
    register_nav(app, title="Quản trị", endpoint="admin_web.index", roles=(ADMIN,), order=5,
                 description="Trường, năm học, lớp, tài khoản, nhập danh sách và in thẻ tài khoản.")
