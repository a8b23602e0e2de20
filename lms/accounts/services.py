"""Account services: they take the acting user, raise domain errors, flush, and never commit."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from lms.core.db import db, utcnow
from lms.core.errors import Conflict, NotFound, ValidationFailed
from lms.core.permissions import ADMIN, ROLES, STUDENT, TEACHER

from . import passwords
from .models import ApiToken, Enrolment, School, SchoolClass, TeachingAssignment, User, WebSession

# A fixed hash checked when the username is unknown, so both failure paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
MIN_PASSWORD_LENGTH = passwords.MIN_PASSWORD_LENGTH


def hash_password(password: str) -> str:
    # scrypt by default; the test suite configures a cheaper method so fixtures stay fast.
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """Create a bearer token; the raw value is returned once and only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
    token = ApiToken(user_id=user.id, token_hash=_digest(raw), expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_token(raw: str) -> User | None:
    # One query for the token and its user: this runs on every API request.
    token = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    return token.user if token.user.active else None


def revoke_token(raw: str) -> bool:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    return True


def check_password_policy(password: str, username: str | None = None, field: str = "password") -> None:
    """Raise a 422 on ``field`` when the password breaks the policy (lms.accounts.passwords)."""
    found = passwords.problems(password, username)
    if found:
        raise ValidationFailed(errors={field: found})


def _session_lifetime() -> timedelta:
    # Flask's own setting (31 days unless configured): no browser session outlives it, copied or not.
    lifetime = current_app.config.get("PERMANENT_SESSION_LIFETIME", timedelta(days=31))
    return lifetime if isinstance(lifetime, timedelta) else timedelta(seconds=int(lifetime))


def start_web_session(user: User) -> str:
    """Record a new signed-in browser; return the raw id for its cookie (only the hash is stored). Rows past
    the session lifetime are purged here, so the table holds only live sessions."""
    now = utcnow()
    db.session.execute(delete(WebSession).where(WebSession.created_at < now - _session_lifetime()))
    raw = secrets.token_urlsafe(32)
    db.session.add(WebSession(user_id=user.id, token_hash=_digest(raw), created_at=now))
    db.session.flush()
    return raw


def web_session_is_live(user_id: int, raw: str) -> bool:
    """Whether the browser session ``raw`` of this user was started and not ended, within the lifetime."""
    return db.session.scalar(select(WebSession.id).where(
        WebSession.token_hash == _digest(raw), WebSession.user_id == user_id,
        WebSession.created_at > utcnow() - _session_lifetime())) is not None


def end_web_session(user: User, raw: str) -> None:
    """End one browser session: its cookie, and every copy of it, stops working."""
    db.session.execute(delete(WebSession).where(WebSession.token_hash == _digest(raw),
                                                WebSession.user_id == user.id))
    db.session.flush()


def end_web_sessions(user: User) -> None:
    """End every web session of ``user`` (each browser and each copied cookie), leaving API tokens alone."""
    user.session_generation = (user.session_generation or 0) + 1
    db.session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    db.session.flush()


def end_sessions(user: User, keep_token: str | None = None) -> None:
    """End every session of ``user`` at once: web sessions by bumping the session generation (a cookie made
    before is refused by the user loader), API tokens by revoking them, except ``keep_token`` (the raw token
    of the request doing this, so changing one's password over the API does not cut the caller off)."""
    end_web_sessions(user)
    keep = _digest(keep_token) if keep_token else None
    now = utcnow()
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                           ApiToken.revoked_at.is_(None))):
        if token.token_hash != keep:
            token.revoked_at = now
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str, keep_token: str | None = None) -> None:
    """The user changes their own password: the current one must be right; every other session ends."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationFailed(errors={"current_password": ["Mật khẩu hiện tại không đúng."]})
    if new_password == current_password:
        raise ValidationFailed(errors={"new_password": ["Mật khẩu mới phải khác mật khẩu hiện tại."]})
    check_password_policy(new_password, user.username, field="new_password")
    user.password_hash = hash_password(new_password)
    end_sessions(user, keep_token=keep_token)


def update_user(actor: User, user: User, *, full_name: str | None = None, active: bool | None = None,
                password: str | None = None) -> User:
    """An admin edits an account: rename, suspend or reactivate, reset the password. Suspending or resetting
    ends every session and token of the account at once."""
    if actor is not None and actor.id == user.id and active is False:
        raise Conflict("Không thể tự khóa tài khoản của chính mình.")
    if full_name is not None:
        user.full_name = full_name
    if password is not None:
        check_password_policy(password, user.username)
        user.password_hash = hash_password(password)
        end_sessions(user)
    if active is not None and active != user.active:
        user.active = active
        if not active:
            end_sessions(user)
    db.session.flush()
    return user


def create_user(actor: User | None, *, username: str, password: str, full_name: str = "", role: str,
                school_id: int | None = None, student_code: str | None = None) -> User:
    """Create a user. ``actor`` None means the CLI or seeding, which act as the system."""
    if role not in ROLES:
        raise ValidationFailed(errors={"role": [f"Vai trò phải là một trong {', '.join(ROLES)}."]})
    check_password_policy(password, username)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"Tên đăng nhập {username!r} đã tồn tại.")
    if school_id is not None and db.session.get(School, school_id) is None:
        raise ValidationFailed(errors={"school_id": ["Không có trường này."]})
    if role in (TEACHER, STUDENT) and school_id is None:
        raise ValidationFailed(errors={"school_id": ["Giáo viên và học sinh phải thuộc một trường."]})
    user = User(username=username, password_hash=hash_password(password), full_name=full_name, role=role,
                school_id=school_id, student_code=student_code)
    db.session.add(user)
    db.session.flush()
    return user


def create_school(actor: User | None, *, name: str, code: str) -> School:
    if db.session.scalar(select(School.id).where(School.code == code)):
        raise Conflict(f"Mã trường {code!r} đã tồn tại.")
    school = School(name=name, code=code)
    db.session.add(school)
    db.session.flush()
    return school


def get_class(class_id: int) -> SchoolClass:
    klass = db.session.get(SchoolClass, class_id)
    if klass is None:
        raise NotFound("Không tìm thấy lớp.")
    return klass


def create_class(actor: User, *, name: str, grade: int, school_id: int, school_year: str,
                 homeroom_teacher_id: int | None = None) -> SchoolClass:
    if actor.role != ADMIN and actor.school_id != school_id:
        raise NotFound("Không tìm thấy trường.")
    if db.session.get(School, school_id) is None:
        raise ValidationFailed(errors={"school_id": ["Không có trường này."]})
    exists = db.session.scalar(select(SchoolClass.id).where(
        SchoolClass.school_id == school_id, SchoolClass.school_year == school_year, SchoolClass.name == name))
    if exists:
        raise Conflict(f"Lớp {name} năm học {school_year} đã tồn tại.")
    if actor.role == TEACHER and homeroom_teacher_id is None:
        homeroom_teacher_id = actor.id  # a teacher creating a class is its homeroom teacher
    if homeroom_teacher_id is not None:
        _require_member(homeroom_teacher_id, TEACHER, school_id, "homeroom_teacher_id")
    klass = SchoolClass(name=name, grade=grade, school_id=school_id, school_year=school_year,
                        homeroom_teacher_id=homeroom_teacher_id)
    db.session.add(klass)
    db.session.flush()
    return klass


def _require_member(user_id: int, role: str, school_id: int, field: str) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != role or user.school_id != school_id:
        raise ValidationFailed(errors={field: [f"Người dùng {user_id} không phải {role} của trường này."]})
    return user


def enrol_students(actor: User, klass: SchoolClass, student_ids: list[int]) -> list[int]:
    """Add students to a class; already-enrolled ones are left as they are (idempotent)."""
    errors = {}
    for index, sid in enumerate(student_ids):
        user = db.session.get(User, sid)
        if user is None or user.role != STUDENT or user.school_id != klass.school_id:
            errors[str(index)] = [f"{sid} không phải học sinh của trường."]
    if errors:
        raise ValidationFailed(errors={"student_ids": errors})
    existing = set(db.session.scalars(select(Enrolment.student_id).where(Enrolment.class_id == klass.id)))
    for sid in dict.fromkeys(student_ids):
        if sid not in existing:
            db.session.add(Enrolment(class_id=klass.id, student_id=sid))
    db.session.flush()
    return sorted(existing | set(student_ids))


def assign_teacher(actor: User, klass: SchoolClass, teacher_id: int, subject_code: str) -> TeachingAssignment:
    from lms.curriculum.api import get_subject  # same layer, read-only lookup

    _require_member(teacher_id, TEACHER, klass.school_id, "teacher_id")
    if get_subject(subject_code) is None:
        raise ValidationFailed(errors={"subject": [f"Không có môn {subject_code!r}."]})
    assignment = db.session.get(TeachingAssignment, (klass.id, teacher_id, subject_code))
    if assignment is None:
        assignment = TeachingAssignment(class_id=klass.id, teacher_id=teacher_id, subject_code=subject_code)
        db.session.add(assignment)
        db.session.flush()
    return assignment
