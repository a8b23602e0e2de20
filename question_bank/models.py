"""Questions: an identity row (owner, classification, curation status) and immutable versions of its body.

A ``QuestionVersion`` is never updated after it is written (only ``used_at`` is stamped once): attempts and
printed papers point at ``(question_id, version)`` so a later edit can never change what a student answered.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow

SCOPES = ("personal", "school", "shared")
STATUSES = ("draft", "in_review", "published", "rejected")
LEVELS = ("nhan_biet", "thong_hieu", "van_dung", "van_dung_cao")


class Question(db.Model):
    """The identity of a question: who owns it, how it is classified and where it stands in curation."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_bank_filter", "subject_code", "grade", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The teacher (or department user) who wrote it; only they edit it, besides the department for shared ones.
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The owner's school when it was created; decides who sees a ``scope="school"`` question.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    #: lms.curriculum subject code ("toan").
    subject_code: Mapped[str] = mapped_column(ForeignKey("subjects.code"))
    grade: Mapped[int] = mapped_column(Integer)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"), index=True)
    #: Cognitive level: one of LEVELS (nhận biết / thông hiểu / vận dụng / vận dụng cao).
    level: Mapped[str] = mapped_column(String(20))
    #: Teacher's estimate 1 (dễ) .. 5 (rất khó); exam statistics measure the real facility separately.
    difficulty: Mapped[int | None] = mapped_column(Integer)
    #: Question type of the current version (question_bank.types registry name), kept here for filtering.
    qtype: Mapped[str] = mapped_column(String(30), index=True)
    #: Free tags: ["hàm số", "đồ thị"] (a JSON list of strings).
    tags: Mapped[list] = mapped_column(JSON, default=list)
    #: personal (owner only) | school (colleagues of the same school once published) | shared (department bank).
    scope: Mapped[str] = mapped_column(String(10), default="personal")
    #: draft | in_review | published | rejected.
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    #: The department's comment on the last review (required when rejecting).
    review_comment: Mapped[str | None] = mapped_column(Text)
    #: Number of the latest version (1-based).
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    #: question_bank.content.near_duplicate_key of the current body; equal keys flag re-typed copies.
    dup_key: Mapped[str] = mapped_column(String(64), index=True)
    #: Plain text of the current stem, for ``q=`` filtering without parsing JSON in SQL.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Soft delete: the row and its versions stay for the attempts and papers that used them.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    versions: Mapped[list["QuestionVersion"]] = relationship(back_populates="question",
                                                             order_by="QuestionVersion.version")


class QuestionVersion(db.Model):
    """One immutable body of a question. A PATCH writes version n+1; this row is never changed."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: The validated teacher body (question_bank.types.validate): {type, stem, explanation?, ...type fields with
    #: keys}, e.g. {"type": "single_choice", "stem": "<p>...</p>", "options": [{"id": "a", "text": "...",
    #: "correct": true}, ...]}.
    body: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Set once when an attempt or a printed paper first uses this version (it must then never disappear).
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    question: Mapped[Question] = relationship(back_populates="versions")


class QuestionAudit(db.Model):
    """The audit trail of a question: who did what and when."""

    __tablename__ = "question_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: created | edited | submitted | published | approved | rejected | deleted | imported.
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Action details: {"version": 2, "fields": ["stem", "level"]} for edits, {"comment": "..."} for reviews,
    #: {"duplicates": [4, 9]} for submissions, {"format": "gift"} for imports.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class QuestionMedia(db.Model):
    """Which media assets (images) a question's versions reference, so the media layer can ask who may see
    them and keep them while a question uses them."""

    __tablename__ = "question_media"

    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True)
    #: media.api asset id (no foreign key: the media tables belong to another package).
    asset_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
