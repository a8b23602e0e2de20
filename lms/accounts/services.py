"""Account services: they take the acting user, raise domain errors, flush, and never commit."""
from __future__ import annotations

import hashlib
import os
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, select
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


#: The user of a token with the token's state: built once, since it runs on every API request (building and
#: keying the statement cost as much as running it).
_USER_FOR_TOKEN = (select(User, ApiToken.revoked_at, ApiToken.expires_at).join(ApiToken, ApiToken.user_id == User.id)
                   .where(ApiToken.token_hash == bindparam("b_hash")))


def user_for_token(raw: str) -> User | None:
    # One query for the token and its user, every time: a revoked token, a suspension or a role change takes
    # effect at the next request in every worker.
    row = db.session.execute(_USER_FOR_TOKEN, {"b_hash": _digest(raw)}).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row.User if row.User.active else None


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
    user.must_change_password = False  # an issued password (account card, reset) is now the user's own
    end_sessions(user, keep_token=keep_token)


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


# Letters and digits that cannot be misread on paper (no 0/O, 1/l/I): a student types this from a printed card.
_CARD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password(length: int = passwords.MIN_PASSWORD_LENGTH) -> str:
    """A random first-login password that survives being printed and typed on a phone, and meets the policy."""
    while True:
        candidate = "".join(secrets.choice(_CARD_ALPHABET) for _ in range(max(length, passwords.MIN_PASSWORD_LENGTH)))
        if not passwords.problems(candidate):
            return candidate


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy người dùng.")
    return user


def _memberships_elsewhere(user: User, school_id: int | None) -> bool:
    enrolled = select(SchoolClass.id).join(Enrolment, Enrolment.class_id == SchoolClass.id).where(
        Enrolment.student_id == user.id, SchoolClass.school_id != school_id)
    teaching = select(SchoolClass.id).join(TeachingAssignment, TeachingAssignment.class_id == SchoolClass.id).where(
        TeachingAssignment.teacher_id == user.id, SchoolClass.school_id != school_id)
    homeroom = select(SchoolClass.id).where(SchoolClass.homeroom_teacher_id == user.id,
                                            SchoolClass.school_id != school_id)
    return any(db.session.scalar(stmt.limit(1)) for stmt in (enrolled, teaching, homeroom))


def update_user(actor: User | None, user: User, *, full_name: str | None = None, role: str | None = None,
                school_id: int | None | object = ..., student_code: str | None | object = ...,
                active: bool | None = None, password: str | None = None) -> User:
    """An admin (or the CLI, ``actor`` None) edits an account: name, role, school, student code, suspend or
    reactivate, set the password. Suspending or setting the password ends every session and token at once.

    An admin cannot demote or suspend themself, so the platform never loses its last way in. A user keeps
    their classes only within one school: moving school while still enrolled or teaching elsewhere is a 409.
    """
    if full_name is not None:
        user.full_name = full_name
    if student_code is not ...:
        user.student_code = student_code or None
    new_role = role if role is not None else user.role
    new_school = user.school_id if school_id is ... else school_id
    if new_role not in ROLES:
        raise ValidationFailed(errors={"role": [f"Vai trò phải là một trong {', '.join(ROLES)}."]})
    if actor is not None and user.id == actor.id and (new_role != ADMIN or active is False):
        raise Conflict("Bạn không thể tự hạ vai trò hoặc khoá tài khoản của chính mình.")
    if new_school is not None and db.session.get(School, new_school) is None:
        raise ValidationFailed(errors={"school_id": ["Không có trường này."]})
    if new_role in (TEACHER, STUDENT) and new_school is None:
        raise ValidationFailed(errors={"school_id": ["Giáo viên và học sinh phải thuộc một trường."]})
    if (new_role != user.role or new_school != user.school_id) and _memberships_elsewhere(
            user, new_school if new_role == user.role else -1):
        raise Conflict("Người dùng còn trong lớp (học, dạy hoặc chủ nhiệm): hãy rút khỏi lớp trước khi đổi "
                       "vai trò hoặc trường.")
    user.role, user.school_id = new_role, new_school
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


def reset_password(actor: User, user: User) -> str:
    """Give ``user`` a new random password they must change at next sign-in; returns it (shown once)."""
    return reset_passwords(actor, [user])[user.id]


def reset_passwords(actor: User, users: list[User]) -> dict[int, str]:
    """``reset_password`` for many users at once (a class's account cards): ``{user_id: new password}``.

    The hashes are computed on a thread per core: scrypt runs outside the GIL, and at its production cost
    (about 0.1 s each) a class of 45 would otherwise keep the admin waiting several seconds.
    """
    from concurrent.futures import ThreadPoolExecutor

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    issued = {user.id: generate_password() for user in users}
    with ThreadPoolExecutor(max_workers=min(len(users), os.cpu_count() or 1) or 1) as pool:
        hashes = list(pool.map(lambda pw: generate_password_hash(pw, method=method), [issued[u.id] for u in users]))
    for user, digest in zip(users, hashes):
        user.password_hash = digest
        user.must_change_password = True
        end_sessions(user)  # whoever was signed in with the old password is signed out
    db.session.flush()
    return issued
