"""Gradebook storage: columns and scores per class × subject × semester, the change log, exam results,
sign-offs, locks and the delivery outbox.

A "gradebook" (sổ điểm of one subject in one class for one semester) is not a row of its own: it is the set
of columns sharing (class_id, subject_code, semester). Values are ``Numeric(3, 1)`` read back as ``Decimal``;
a float never touches a score (shared/DOMAIN.md).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow

KINDS = ("tx", "gk", "ck")
#: The subject_code of the rows (lock, change log, sign-offs) that belong to a class's semester summary rather
#: than to one subject's gradebook; never a curriculum code (those are lowercase slugs).
CLASS_SUMMARY = "_class_summary"
SEMESTERS = (1, 2)
COLUMN_SOURCES = ("manual", "exam")
SCORE_SOURCES = ("manual", "exam", "import", "regrade", "package")


class GradebookColumn(db.Model):
    """One assessment column (ĐĐGtx / ĐĐGgk / ĐĐGck) of a subject's gradebook in one class and semester."""

    __tablename__ = "gradebook_columns"
    __table_args__ = (
        Index("ix_gradebook_columns_book", "class_id", "subject_code", "semester"),
        UniqueConstraint("class_id", "exam_id"),
        UniqueConstraint("class_id", "lecture_id", "package_media_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    #: lms.curriculum subject code, e.g. "toan".
    subject_code: Mapped[str] = mapped_column(ForeignKey("subjects.code"))
    #: 1 or 2 (học kì I / II).
    semester: Mapped[int] = mapped_column(Integer)
    #: "2026-2027", copied from the class so year views need no join.
    school_year: Mapped[str] = mapped_column(String(9))
    #: "tx" (thường xuyên), "gk" (giữa kì) or "ck" (cuối kì).
    kind: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    #: "manual" (made by a teacher) or "exam" (made and fed by an online exam).
    source: Mapped[str] = mapped_column(String(10), default="manual")
    #: The lms.exams exam feeding this column; a plain id because exams' tables are not ours to reference.
    exam_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: The lms.lectures lecture whose interactive package (``package_media_id``, a media asset) feeds this column
    #: with each student's best package score, when the teacher counts it (plain ids, as for exams).
    lecture_id: Mapped[int | None] = mapped_column(Integer, index=True)
    package_media_id: Mapped[int | None] = mapped_column(Integer)
    #: Students (and their other teachers) see a column only once it is released.
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Order within its kind; columns are shown tx…, gk, ck.
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    scores: Mapped[list["Score"]] = relationship(back_populates="column", cascade="all, delete-orphan",
                                                 passive_deletes=True)


class Score(db.Model):
    """One student's value in one column: a 0..10 score or, for comment-only subjects, Đ / CĐ."""

    __tablename__ = "gradebook_scores"
    __table_args__ = (UniqueConstraint("column_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("gradebook_columns.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Recorded score, one decimal, rounded half up (rules.record_score); None when empty or comment-graded.
    value: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    #: "Đ" or "CĐ" for comment-only subjects; None otherwise.
    comment: Mapped[str | None] = mapped_column(String(2))
    #: Where the current value came from: "manual", "exam", "import", "regrade" or "package" (a lecture's
    #: interactive package the column counts).
    source: Mapped[str] = mapped_column(String(10), default="manual")
    #: A teacher typed over an exam column: later exam results no longer replace the value.
    manual_override: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The counted exam (or package) score, kept even when a manual override hides it.
    exam_value: Mapped[Decimal | None] = mapped_column(Numeric(3, 1))
    #: Absent from the assessment; no value yet (the average stays provisional).
    absent: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The value comes from a make-up assessment (kiểm tra bù).
    make_up: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Did not take the make-up assessment: recorded as 0 (or CĐ).
    zero_no_makeup: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The exam attempt whose score is shown (source exam/regrade).
    attempt_id: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: None when the exam pipeline wrote it.
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    column: Mapped[GradebookColumn] = relationship(back_populates="scores")


class ExamResult(db.Model):
    """Every graded attempt the gradebook heard of, to pick the counted one (best / last / first)."""

    __tablename__ = "gradebook_exam_results"
    __table_args__ = (Index("ix_gradebook_exam_results_exam_student", "exam_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: One row per attempt: a repeated signal updates, never duplicates.
    attempt_id: Mapped[int] = mapped_column(Integer, unique=True)
    score_10: Mapped[Decimal] = mapped_column(Numeric(3, 1))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    graded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The reason of the last signal: "submit", "auto_submit", "hand_grading" or "regrade".
    reason: Mapped[str] = mapped_column(String(20), default="submit")
    #: The exam's counting rule at the last signal: "best", "last" or "first".
    counted: Mapped[str] = mapped_column(String(5), default="best")


class ScoreChange(db.Model):
    """The change log of a gradebook: every score change, lock and unlock, with who, when and why."""

    __tablename__ = "gradebook_changes"
    __table_args__ = (Index("ix_gradebook_changes_book", "class_id", "subject_code", "semester"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    subject_code: Mapped[str] = mapped_column(String(40))
    semester: Mapped[int] = mapped_column(Integer)
    #: "score", "lock" or "unlock".
    kind: Mapped[str] = mapped_column(String(10), default="score")
    column_id: Mapped[int | None] = mapped_column(ForeignKey("gradebook_columns.id", ondelete="SET NULL"))
    student_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Display form of the value before and after ("8.3", "Đ", "CĐ", None for empty).
    old_value: Mapped[str | None] = mapped_column(String(10))
    new_value: Mapped[str | None] = mapped_column(String(10))
    #: "manual", "exam", "import", "regrade", "package", "lock", "unlock".
    source: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    #: Unique per change; also the Idempotency-Key of the outbound event.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StudentComment(db.Model):
    """The subject teacher's written remark on a student for a semester (nhận xét)."""

    __tablename__ = "gradebook_student_comments"
    __table_args__ = (UniqueConstraint("class_id", "subject_code", "semester", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    subject_code: Mapped[str] = mapped_column(String(40))
    semester: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: Plain text (shown escaped, never as HTML).
    text: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GradebookLock(db.Model):
    """Lock state of one gradebook (class × subject × semester); a signed gradebook is locked.

    The row with ``subject_code == CLASS_SUMMARY`` locks the class's semester summary, and with it the entry
    of every subject of that class and semester.
    """

    __tablename__ = "gradebook_locks"

    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    subject_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    semester: Mapped[int] = mapped_column(Integer, primary_key=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unlocked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unlock_reason: Mapped[str | None] = mapped_column(Text)


class SignOff(db.Model):
    """An X.509 signature over a canonical JSON snapshot of a gradebook (lms.gradebook.signing)."""

    __tablename__ = "gradebook_signoffs"
    __table_args__ = (Index("ix_gradebook_signoffs_book", "class_id", "subject_code", "semester"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    subject_code: Mapped[str] = mapped_column(String(40))
    semester: Mapped[int] = mapped_column(Integer)
    #: "subject" (one subject's gradebook) or "class_summary" (then subject_code is CLASS_SUMMARY).
    kind: Mapped[str] = mapped_column(String(20), default="subject")
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Common name in the certificate (the person who legally signed).
    signer_name: Mapped[str] = mapped_column(String(200))
    #: "subject_teacher", "homeroom" or "principal".
    role: Mapped[str] = mapped_column(String(20))
    #: The signed snapshot: {class_id, class_name, school_year, subject, semester,
    #: columns:[{id, kind, title}], rows:[{student_id, full_name, scores:{column_id: "8.3"|"Đ"}, average}]};
    #: a class summary: {kind:"class_summary", class_id, class_name, school_year, grade, semester,
    #: subjects:[{code, name, graded_by}], rows:[{student_id, full_name, results:{code: "8.3"|"Đ"|"T"}, result}]}.
    snapshot: Mapped[dict] = mapped_column(JSON)
    #: Hex SHA-256 of signing.canonical_json(snapshot): compared with the current data on verify.
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    #: Detached CMS SignedData (DER) over canonical_json(snapshot).
    cms_der: Mapped[bytes] = mapped_column(db.LargeBinary)
    certificate_pem: Mapped[str] = mapped_column(Text)
    certificate_fingerprint: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    invalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invalidated_reason: Mapped[str | None] = mapped_column(Text)


class QualityAssessment(db.Model):
    """A primary student's end-of-year levels of qualities and competences (Thông tư 27/2020), set by the
    homeroom teacher; one row per class (hence per school year) and student."""

    __tablename__ = "gradebook_qualities"
    __table_args__ = (UniqueConstraint("class_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: {quality code of rules.PRIMARY_QUALITIES: "T" (Tốt) | "Đ" (Đạt) | "C" (Cần cố gắng)}; a missing code is
    #: not assessed yet.
    levels: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxEvent(db.Model):
    """A score change waiting to be POSTed to GRADEBOOK_WEBHOOK_URL (written in the changing transaction)."""

    __tablename__ = "gradebook_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sent as the Idempotency-Key header; receivers drop repeats.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: "score.changed".
    event_type: Mapped[str] = mapped_column(String(40))
    #: {event, idempotency_key, class_id, subject, semester, school_year, column:{id, kind, title}, student_id,
    #:  old_value, new_value, source, changed_at}
    payload: Mapped[dict] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
