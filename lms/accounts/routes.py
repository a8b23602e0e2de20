"""JSON API of accounts: tokens, users, roster import, schools, classes."""
from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import select

from lms.core.auth import bearer_token, exempt_api
from lms.core.db import db
from lms.core.errors import NotFound, RateLimited, Unauthorized, ValidationFailed
from lms.core.permissions import ADMIN, PUBLIC, SIGNED_IN, TEACHER, roles
from lms.core.rest import ApiBlueprint, paginate

from . import organisation, permissions, roster, schemas, services, sessions, throttle, years
from .models import School, SchoolClass, SchoolYear, User

bp = ApiBlueprint("accounts", __name__, url_prefix="/api/v1")
exempt_api(bp)


@bp.endpoint("/auth/token", "POST", allow=PUBLIC, body=schemas.TokenRequest, response=schemas.TokenOut,
             summary="Exchange username and password for a bearer token", errors=(401, 429),
             example_body={"username": "gv.lan", "password": "Hoa-Sen-2026"},
             example_response={"token": "m2Xk8c…(opaque)", "expires_at": "2026-12-05T06:00:00+07:00",
                               "user": {"id": 42, "username": "gv.lan", "full_name": "Nguyễn Thị Lan",
                                        "role": "teacher", "school_id": 3}})
def create_token(body):
    """The token is opaque; send it as ``Authorization: Bearer <token>`` until ``expires_at``. Failed attempts are
    counted per client address and username, per username and per address (LOGIN_*_FAILURE_LIMIT): past a limit
    the answer is 429 with Retry-After, even for the right password."""
    retry = throttle.retry_after(body["username"], request.remote_addr)
    if retry is not None:
        raise RateLimited(f"Đăng nhập sai quá nhiều lần. Thử lại sau {retry} giây.", headers={"Retry-After": str(retry)})
    user = services.authenticate(body["username"], body["password"])
    if user is None:
        throttle.record_failure(body["username"], request.remote_addr)
        db.session.commit()  # the failure must count although this request fails
        raise Unauthorized("Sai tên đăng nhập hoặc mật khẩu.")
    raw, token = services.issue_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at, "user": user}


@bp.endpoint("/auth/token", "DELETE", allow=SIGNED_IN, summary="Revoke the bearer token of this request",
             status=204)
def revoke_token():
    raw = bearer_token()
    if raw:
        services.revoke_token(raw)
        db.session.commit()
    return None, 204


@bp.endpoint("/auth/logout", "POST", allow=SIGNED_IN, status=204,
             summary="Sign out: this browser's session (and every copy of its cookie) stops working, other "
                     "browsers stay signed in; with a bearer token, that token is revoked")
def logout():
    raw = bearer_token()
    if raw:
        services.revoke_token(raw)
    else:
        sessions.sign_out(current_user._get_current_object())
    db.session.commit()
    return None, 204


@bp.endpoint("/auth/logout-all", "POST", allow=SIGNED_IN, status=204,
             summary="Sign out everywhere: every session cookie and every API token of the caller stops working")
def logout_all():
    user = current_user._get_current_object()
    services.end_sessions(user)
    sessions.sign_out(user)
    db.session.commit()
    return None, 204


@bp.endpoint("/me", "GET", allow=SIGNED_IN, response=schemas.UserOut, summary="The signed-in user")
def me():
    """Who the token belongs to: id, username, full name, role and school. Use it to check a token."""
    return current_user


@bp.endpoint("/me/password", "POST", allow=SIGNED_IN, body=schemas.PasswordChange, status=204,
             summary="Change one's own password; every other session and token of the account ends")
def change_password(body):
    user = current_user._get_current_object()
    services.change_password(user, body["current_password"], body["new_password"], keep_token=bearer_token())
    if not bearer_token():
        sessions.sign_in(user)  # this browser stays signed in, in a new session
    db.session.commit()
    return None, 204


@bp.endpoint("/users", "POST", allow=roles(ADMIN), body=schemas.UserCreate, response=schemas.UserOut, status=201,
             summary="Create a user", errors=(409,))
def create_user(body):
    user = services.create_user(current_user, **body)
    db.session.commit()
    return user


@bp.endpoint("/users/<int:user_id>", "PATCH", allow=roles(ADMIN), body=schemas.UserUpdate,
             response=schemas.UserAccountOut, errors=(404, 409),
             summary="Edit an account: rename, role, school, student code, suspend (active=false) or reset the "
                     "password; suspending or resetting ends every session and token of the account at once")
def update_user(user_id, body):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy người dùng.")
    services.update_user(current_user, user, **body)
    db.session.commit()
    return user


@bp.endpoint("/users", "GET", allow=roles(ADMIN), query=schemas.UserQuery, response=schemas.UserAccountOut,
             paginated=True, summary="List users")
def list_users(args):
    stmt = select(User).order_by(User.id)
    if args["role"]:
        stmt = stmt.where(User.role == args["role"])
    if args["school_id"]:
        stmt = stmt.where(User.school_id == args["school_id"])
    if args["q"]:
        like = f"%{args['q']}%"
        stmt = stmt.where(User.username.ilike(like) | User.full_name.ilike(like))
    return paginate(stmt, args["page"], args["per_page"])


@bp.endpoint("/users/<int:user_id>", "GET", allow=roles(ADMIN), response=schemas.UserAccountOut,
             summary="One user, with account state", errors=(404,))
def get_user(user_id):
    return services.get_user(user_id)


@bp.endpoint("/users/<int:user_id>/password-reset", "POST", allow=roles(ADMIN), response=schemas.PasswordResetOut,
             summary="Issue a new first-login password (shown once); the user must change it at next sign-in",
             errors=(404,))
def reset_password(user_id):
    user = services.get_user(user_id)
    password = services.reset_password(current_user, user)
    db.session.commit()
    return {"user_id": user.id, "username": user.username, "password": password}


@bp.endpoint("/users/import", "POST", allow=roles(ADMIN), query=schemas.RosterQuery,
             response=schemas.RosterResultOut, files={"file": "CSV (UTF-8) or XLSX roster"},
             summary="Import a class roster; nothing is written if any row fails (unless partial=true)",
             errors=(413, 415))
def import_users(args):
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(errors={"file": ["Chọn tệp CSV hoặc XLSX."]})
    rows = roster.read_rows(upload.filename or "", upload.read(roster.MAX_ROSTER_BYTES + 1))
    result = roster.import_roster(current_user, rows, default_school_id=args["school_id"], partial=args["partial"],
                                  dry_run=args["dry_run"], school_year=args["school_year"],
                                  create_classes=args["create_classes"])
    if args["dry_run"] or result.errors and not args["partial"]:
        db.session.rollback()
    else:
        db.session.commit()
    return result


@bp.endpoint("/schools", "POST", allow=roles(ADMIN), body=schemas.SchoolIn, response=schemas.SchoolOut,
             status=201, summary="Create a school", errors=(409,))
def create_school(body):
    school = services.create_school(current_user, **body)
    db.session.commit()
    return school


@bp.endpoint("/schools", "GET", allow=roles(ADMIN), response=schemas.SchoolOut, paginated=True,
             summary="List schools")
def list_schools(args):
    return paginate(select(School).order_by(School.name), args["page"], args["per_page"])


@bp.endpoint("/schools/<int:school_id>", "PATCH", allow=roles(ADMIN), body=schemas.SchoolPatch,
             response=schemas.SchoolOut, summary="Rename a school or change its code", errors=(404, 409))
def patch_school(school_id, body):
    school = db.session.get(School, school_id)
    if school is None:
        raise NotFound("Không tìm thấy trường.")
    school = organisation.update_school(current_user, school, **body)
    db.session.commit()
    return school


@bp.endpoint("/school-years", "GET", allow=roles(ADMIN), response=schemas.SchoolYearOut, many=True,
             summary="School years, newest first")
def list_school_years():
    return db.session.scalars(select(SchoolYear).order_by(SchoolYear.name.desc())).all()


@bp.endpoint("/school-years", "POST", allow=roles(ADMIN), body=schemas.SchoolYearIn, response=schemas.SchoolYearOut,
             status=201, summary="Add a school year (is_current makes it the default for new classes)",
             errors=(409,))
def create_school_year(body):
    year = years.save_school_year(current_user, **body)
    db.session.commit()
    return year


@bp.endpoint("/school-years/<int:year_id>", "PUT", allow=roles(ADMIN), body=schemas.SchoolYearIn,
             response=schemas.SchoolYearOut, summary="Edit a school year", errors=(404, 409))
def update_school_year(year_id, body):
    year = db.session.get(SchoolYear, year_id)
    if year is None:
        raise NotFound("Không tìm thấy năm học.")
    year = years.save_school_year(current_user, year=year, **body)
    db.session.commit()
    return year


@bp.endpoint("/classes", "POST", allow=roles(ADMIN, TEACHER), body=schemas.ClassIn, response=schemas.ClassOut,
             status=201, summary="Create a class (a teacher becomes its homeroom teacher)", errors=(404, 409))
def create_class(body):
    klass = services.create_class(current_user, **body)
    db.session.commit()
    return klass


@bp.endpoint("/classes", "GET", allow=roles(ADMIN, TEACHER), query=schemas.ClassQuery, response=schemas.ClassOut,
             paginated=True, summary="Classes the caller may see (a teacher: homeroom and taught)")
def list_classes(args):
    from .api import taught_class_ids

    stmt = select(SchoolClass).order_by(SchoolClass.school_year.desc(), SchoolClass.grade, SchoolClass.name)
    if current_user.role != ADMIN:
        stmt = stmt.where(SchoolClass.id.in_(taught_class_ids(current_user.id) or {-1}))
    if args["school_year"]:
        stmt = stmt.where(SchoolClass.school_year == args["school_year"])
    if args["school_id"]:
        stmt = stmt.where(SchoolClass.school_id == args["school_id"])
    return paginate(stmt, args["page"], args["per_page"])


@bp.endpoint("/classes/<int:class_id>/students", "POST", allow=roles(ADMIN, TEACHER), body=schemas.StudentIds,
             response=schemas.EnrolmentOut, summary="Enrol students in a class (idempotent)", errors=(404,))
def enrol_students(class_id, body):
    klass = permissions.ensure_class_visible(current_user, db.session.get(SchoolClass, class_id))
    permissions.ensure_can_enrol(current_user, klass)
    ids = services.enrol_students(current_user, klass, body["student_ids"])
    db.session.commit()
    return {"class_id": klass.id, "student_ids": ids}


@bp.endpoint("/classes/<int:class_id>/teachers", "POST", allow=roles(ADMIN), body=schemas.TeacherAssignmentIn,
             response=schemas.TeacherAssignmentOut, status=201, summary="Assign a subject teacher to a class",
             errors=(404,))
def assign_teacher(class_id, body):
    klass = permissions.ensure_class_visible(current_user, db.session.get(SchoolClass, class_id))
    assignment = services.assign_teacher(current_user, klass, body["teacher_id"], body["subject"])
    db.session.commit()
    return assignment


@bp.endpoint("/classes/<int:class_id>", "GET", allow=roles(ADMIN, TEACHER), response=schemas.ClassOut,
             summary="One class (a teacher: homeroom or taught)", errors=(404,))
def get_class(class_id):
    return permissions.ensure_class_visible(current_user, db.session.get(SchoolClass, class_id))


@bp.endpoint("/classes/<int:class_id>", "PATCH", allow=roles(ADMIN), body=schemas.ClassPatch,
             response=schemas.ClassOut, summary="Rename a class, change grade, year or homeroom teacher (null clears)",
             errors=(404, 409))
def patch_class(class_id, body):
    klass = permissions.ensure_class_visible(current_user, db.session.get(SchoolClass, class_id))
    klass = organisation.update_class(current_user, klass, **body)
    db.session.commit()
    return klass


@bp.endpoint("/classes/<int:class_id>/students", "GET", allow=roles(ADMIN, TEACHER), response=schemas.ClassMemberOut,
             many=True, summary="Students of a class, in class-list order", errors=(404,))
def list_class_students(class_id):
    from .api import class_students

    klass = permissions.ensure_class_visible(current_user, db.session.get(SchoolClass, class_id))
    return class_students(klass.id)


@bp.endpoint("/classes/<int:class_id>/students/<int:student_id>", "DELETE", allow=roles(ADMIN, TEACHER), status=204,
             summary="Take a student out of a class (admin or homeroom teacher)", errors=(404,))
def unenrol_student(class_id, student_id):
    klass = permissions.ensure_class_visible(current_user, db.session.get(SchoolClass, class_id))
    permissions.ensure_can_enrol(current_user, klass)
    organisation.unenrol_student(current_user, klass, student_id)
    db.session.commit()
    return None, 204


@bp.endpoint("/classes/<int:class_id>/teachers", "GET", allow=roles(ADMIN, TEACHER),
             response=schemas.TeacherAssignmentOut, many=True, summary="Subject teachers of a class", errors=(404,))
def list_class_teachers(class_id):
    klass = permissions.ensure_class_visible(current_user, db.session.get(SchoolClass, class_id))
    return organisation.class_assignments(klass)


@bp.endpoint("/classes/<int:class_id>/teachers/<int:teacher_id>/<subject>", "DELETE", allow=roles(ADMIN),
             status=204, summary="Remove a subject teacher from a class", errors=(404,))
def unassign_teacher(class_id, teacher_id, subject):
    klass = permissions.ensure_class_visible(current_user, db.session.get(SchoolClass, class_id))
    organisation.unassign_teacher(current_user, klass, teacher_id, subject)
    db.session.commit()
    return None, 204
