"""Users, schools, classes, enrolment and teaching assignments."""
from __future__ import annotations

from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow


class School(db.Model):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used by rosters and the CLI (``--school THPT-CVA``).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    #: werkzeug scrypt hash; the plain password never reaches the database or the logs.
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    #: One of lms.core.permissions.ROLES.
    role: Mapped[str] = mapped_column(String(20), index=True)
    #: A user belongs to at most one school; admins and department users may have none.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    #: Student code from the roster (mã học sinh); not the 12-digit personal ID, which is never stored here.
    student_code: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Bumped to end every session at once (sign out everywhere, password change, deactivation); a session
    #: cookie carries the generation it was made in and is refused once it differs (see WebSession for one).
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Set when someone else chose the password (printed account card, admin reset): the user must pick their
    #: own before doing anything else, on the web and through the API.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Last request by this user, kept to a few minutes' precision (usage figures for the department).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    school: Mapped[School | None] = relationship()

    def get_id(self) -> str:  # Flask-Login: the session stores "<id>:<generation>"
        return f"{self.id}:{self.session_generation or 0}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active


class ApiToken(db.Model):
    """A bearer token. Only its SHA-256 is stored, so a leaked table grants nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class WebSession(db.Model):
    """One signed-in browser. The signed session cookie carries a random id whose hash is kept here, so signing
    out ends that session on the server: a copy of the cookie made before is refused afterwards."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Hex SHA-256 of the random id in the cookie; the raw id never reaches the database.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: A session older than PERMANENT_SESSION_LIFETIME is refused and its row purged.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class LoginFailure(db.Model):
    """One failed sign-in, counted by the login limiter when no Redis is configured.

    A row per failure and per limited key (address+username, username, address), in the application's own
    database so every worker and every web node sees the same counts. Keys are SHA-256 digests: neither the
    username nor the address is stored in the clear.
    """

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_failed_at", "key", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Hex SHA-256 of "<scope>/<value>", e.g. of "user/hs.anh".
    key: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
class SchoolYear(db.Model):
    """A school year (năm học) with its dates; the current one is what new classes default to."""

    __tablename__ = "school_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "2026-2027", the same text classes carry in ``school_year``.
    name: Mapped[str] = mapped_column(String(9), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SchoolClass(db.Model):
    """A class (lớp) in one school year, e.g. 10A1 of 2026-2027."""

    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_id", "school_year", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    grade: Mapped[int] = mapped_column(Integer)
    #: "2026-2027"
    school_year: Mapped[str] = mapped_column(String(9))
    #: Giáo viên chủ nhiệm.
    homeroom_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    school: Mapped[School] = relationship()
    homeroom_teacher: Mapped[User | None] = relationship()


class Enrolment(db.Model):
    __tablename__ = "enrolments"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    student: Mapped[User] = relationship()


class TeachingAssignment(db.Model):
    """A teacher teaches one subject in one class."""

    __tablename__ = "teaching_assignments"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: lms.curriculum subject code, e.g. "toan".
    subject_code: Mapped[str] = mapped_column(ForeignKey("subjects.code"), primary_key=True)

    teacher: Mapped[User] = relationship()


class Guardian(db.Model):
    """A parent (role ``parent``) linked to a student they may follow, read-only.

    One parent may follow several students (siblings, in different schools too) and a student may have
    several parents. Linked by an admin, the student's homeroom teacher or a roster import.
    """

    __tablename__ = "guardians"

    parent_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    #: Free text as families say it: "mẹ", "bố", "ông", "người giám hộ"; empty when not given.
    relation: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RosterUpload(db.Model):
    """A roster file between the console's preview and its confirm.

    Kept in the application database, not on a web node's disk, so the confirm may land on any node behind the
    load balancer. Keyed by the SHA-256 of the bytes: what is imported is exactly what was previewed. Rows older
    than a day are deleted on the next preview or confirm; the row goes in the same transaction as the import.
    """

    __tablename__ = "roster_uploads"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The uploading admin's school (None: a system-wide admin); only an admin of the same scope may confirm.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: As uploaded; its extension decides how the bytes are read (CSV or XLSX).
    filename: Mapped[str] = mapped_column(String(255))
    #: At most lms.accounts.roster.MAX_ROSTER_BYTES (checked before the row is written).
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
