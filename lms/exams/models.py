"""Exam definitions, their assignment to classes, printed versions, attempts and per-question results.

An exam keeps its sections as JSON (their shape is documented on ``Exam.sections``). An attempt pins every
question it shows as ``(question_id, version)`` in ``AttemptItem`` rows, so a resumed attempt shows the same
paper and a later edit in the bank never changes what a student answered.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow

POINTS = Numeric(6, 2)


class Exam(db.Model):
    """A test a teacher sets for some classes: practice (luyện tập) or exam (kiểm tra)."""

    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: lms.curriculum subject code ("toan").
    subject: Mapped[str] = mapped_column(ForeignKey("subjects.code"))
    grade: Mapped[int] = mapped_column(Integer)
    #: "practice" or "exam".
    mode: Mapped[str] = mapped_column(String(10), default="exam")
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: None: unlimited attempts.
    max_attempts: Mapped[int | None] = mapped_column(Integer)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "immediately" | "after_submit" | "after_close" | "never" (see lms.exams.permissions.review_level).
    review: Mapped[str] = mapped_column(String(20), default="after_submit")
    #: Which attempt counts: "best" | "last" | "first".
    counted: Mapped[str] = mapped_column(String(10), default="best")
    #: Gradebook column kind "tx" | "gk" | "ck", or None when the exam is not linked to the gradebook.
    gradebook_kind: Mapped[str | None] = mapped_column(String(4))
    gradebook_semester: Mapped[int | None] = mapped_column(Integer)
    #: When the teacher released the scores (công bố điểm): the exam's gradebook columns become visible to
    #: students; None while the scores are unreleased.
    scores_released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Name of the EXAM_PRESETS entry the sections were made from, if any.
    preset: Mapped[str | None] = mapped_column(String(60))
    #: School year of the assigned classes ("2026-2027"), for the gradebook.
    school_year: Mapped[str] = mapped_column(String(9), default="")
    #: ``[{title, points_per_question: "0.25"|null, scoring: "proportional"|"all_or_nothing"|"thpt2025",
    #: fill: "fixed"|"per_student", question_ids: [int]|null, blueprint: [{topic_id, level, type, count}]|null,
    #: items: [[question_id, version], ...] (the pinned paper of a fixed section), overrides: {qid: "drop"|
    #: "full_credit"} (regrade decisions applied to later attempts too)}]``. Points are strings to keep Decimals.
    sections: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    #: The job drawing each student's paper ahead of the exam (lms.exams.papers): None (never scheduled) |
    #: "queued" | "running" | "done" | "failed", with how many of the assigned students have a paper.
    papers_state: Mapped[str | None] = mapped_column(String(10))
    papers_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    papers_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    classes: Mapped[list[ExamClass]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def class_ids(self) -> list[int]:
        return sorted(link.class_id for link in self.classes)


class ExamClass(db.Model):
    """The exam is assigned to this class: its students may take it."""

    __tablename__ = "exam_classes"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True, index=True)


class DrawnPaper(db.Model):
    """A student's paper drawn before the exam opens (blueprint fill, shuffles), so that starting is a lookup
    and an insert. Used by the student's first attempt while ``key`` still matches the exam's sections."""

    __tablename__ = "exam_drawn_papers"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    #: lms.exams.papers.paper_key of the exam when drawn: a later edit or regrade of the paper changes it.
    key: Mapped[str] = mapped_column(String(40))
    #: ``[{question_id, version, position, section_index, option_order, max_points (str), override}]``.
    items: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PaperVersion(db.Model):
    """One printed version (mã đề) of an exam."""

    __tablename__ = "exam_paper_versions"
    __table_args__ = (UniqueConstraint("exam_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    #: "101", "102", ...
    code: Mapped[str] = mapped_column(String(10))
    #: ``[[question_id, version], ...]`` in print order.
    question_order: Mapped[list] = mapped_column(JSON)
    #: ``{question_id (str): [option or statement id, ...]}`` as printed.
    option_orders: Mapped[dict] = mapped_column(JSON)
    #: ``{number (str): "B" | "a) Đ b) S ..." | "-1,5" | null}``, the key of this version.
    answer_key: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Attempt(db.Model):
    """One student's sitting of an exam."""

    __tablename__ = "exam_attempts"
    __table_args__ = (UniqueConstraint("exam_id", "student_id", "number"),
                      Index("ix_exam_attempts_status_deadline", "status", "deadline"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: 1 for the first attempt of this student at this exam; the unique key stops a double start.
    number: Mapped[int] = mapped_column(Integer)
    #: "in_progress" | "needs_grading" (an essay waits for the teacher) | "graded".
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Server-authoritative end: start + duration, capped by the exam's closes_at; None when untimed.
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: "submit" (the student) or "auto_submit" (the deadline passed).
    submit_reason: Mapped[str | None] = mapped_column(String(20))
    last_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[Decimal | None] = mapped_column(POINTS)
    max_score: Mapped[Decimal | None] = mapped_column(POINTS)
    #: The score scaled to 10, one decimal, ROUND_HALF_UP (what the gradebook records).
    score_10: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))

    items: Mapped[list[AttemptItem]] = relationship(cascade="all, delete-orphan", order_by="AttemptItem.position",
                                                    lazy="selectin")


class AttemptItem(db.Model):
    """A question as one attempt shows it, with the student's answer and its grade."""

    __tablename__ = "exam_attempt_items"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("exam_attempts.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: 1-based place in this attempt's paper.
    position: Mapped[int] = mapped_column(Integer)
    section_index: Mapped[int] = mapped_column(Integer)
    #: Option or statement ids in the order this attempt shows them, or None to keep the body's order.
    option_order: Mapped[list | None] = mapped_column(JSON)
    #: The student's answer in the shape of API.md (normalised by question_bank.check_answer), or None.
    answer: Mapped[object | None] = mapped_column(JSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The client's ``seq`` of the save that wrote ``answer`` (None: saved without one); an older save leaves
    #: the answer alone.
    answer_seq: Mapped[int | None] = mapped_column(Integer)
    #: What the question is worth in this attempt (0 once dropped by a regrade).
    max_points: Mapped[Decimal] = mapped_column(POINTS, default=Decimal("0"))
    #: Points earned; None until scored (or, for essays, until a teacher grades it).
    points: Mapped[Decimal | None] = mapped_column(POINTS)
    #: The question needs a teacher's grade (essays); cleared once graded by hand.
    needs_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Regrade decision applied to this item: None | "drop" | "full_credit".
    override: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ExamStatistics(db.Model):
    """Cached item analysis of an exam; deleted whenever an attempt of the exam gets a new grade."""

    __tablename__ = "exam_statistics"

    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The GET /exams/{id}/statistics document as computed (floats rounded for display).
    data: Mapped[dict] = mapped_column(JSON)
