"""E-lectures: identity, immutable-once-reviewed versions, review audit trail, collections and watch progress.

A ``Lecture`` is the stable identity (owner, subject, who may see it). Its content lives in
``LectureVersion`` rows: ``published_version_id`` is what readers see, ``draft_version_id`` is the owner's
working copy. Editing a published lecture creates a new draft; the published version stays visible until the
draft is published (directly for private/class/school lectures, after the department's approval for shared).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow

VISIBILITIES = ("private", "class", "school", "shared")
STATUSES = ("draft", "in_review", "published", "rejected")
DECISIONS = ("approve", "reject")
COLLECTION_VISIBILITIES = ("private", "school", "shared")


class Lecture(db.Model):
    __tablename__ = "lectures"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The owner's school when created; None for department users who span schools.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    #: lms.curriculum subject code.
    subject: Mapped[str] = mapped_column(ForeignKey("subjects.code"), index=True)
    grade: Mapped[int] = mapped_column(Integer, index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"), index=True)
    #: Effective audience, taken from the published version (or the draft while never published):
    #: one of VISIBILITIES. Effective class list is in ``lecture_classes``.
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    #: Workflow state of the newest version: one of STATUSES. A published lecture with a pending edit is
    #: "draft"/"in_review"/"rejected" while ``published_version_id`` still serves readers.
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("lecture_versions.id", use_alter=True, ondelete="SET NULL"))
    draft_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("lecture_versions.id", use_alter=True, ondelete="SET NULL"))
    #: Licence / source note shown under the lecture ("CC BY 4.0, tổ Toán THPT Chu Văn An").
    licence_note: Mapped[str] = mapped_column(String(500), default="")
    #: Optional practice exam (lms.exams id; no foreign key because exams sit above lectures).
    practice_exam_id: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    versions: Mapped[list["LectureVersion"]] = relationship(
        back_populates="lecture", foreign_keys="LectureVersion.lecture_id", order_by="LectureVersion.number",
        cascade="all, delete-orphan", passive_deletes=True)
    classes: Mapped[list["LectureClass"]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def class_ids(self) -> list[int]:
        return sorted(c.class_id for c in self.classes)

    @property
    def is_published(self) -> bool:
        return self.published_version_id is not None


class LectureClass(db.Model):
    """A class of the effective audience of a ``class`` lecture (a table so visibility filters are plain SQL)."""

    __tablename__ = "lecture_classes"

    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"), primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True, index=True)


class LectureVersion(db.Model):
    """One version of a lecture's content. Frozen once submitted or published; edits make a new one."""

    __tablename__ = "lecture_versions"
    __table_args__ = (UniqueConstraint("lecture_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 ... per lecture.
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    #: Sanitised HTML (question_bank.content.sanitize_html).
    description: Mapped[str] = mapped_column(Text, default="")
    #: Audience this version asks for; copied onto the lecture when the version is published.
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    #: [class_id, ...] for visibility "class".
    class_ids: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lecture: Mapped[Lecture] = relationship(back_populates="versions", foreign_keys=[lecture_id])
    attachments: Mapped[list["LectureAttachment"]] = relationship(
        order_by="LectureAttachment.position", cascade="all, delete-orphan", passive_deletes=True)


class LectureAttachment(db.Model):
    """A media asset (video, document, ...) of a version, in display order."""

    __tablename__ = "lecture_attachments"

    version_id: Mapped[int] = mapped_column(ForeignKey("lecture_versions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: media.api asset id.
    media_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id"), index=True)
    #: Caption shown in the lecture ("Video bài giảng", "Phiếu học tập"); the file name when empty.
    title: Mapped[str] = mapped_column(String(300), default="")


class LectureReview(db.Model):
    """Audit trail of the department's decisions on submitted versions."""

    __tablename__ = "lecture_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("lecture_versions.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: "approve" or "reject".
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LectureCollection(db.Model):
    """A bộ bài giảng: an ordered set of lectures. Readers see only the lectures they may view."""

    __tablename__ = "lecture_collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    #: Sanitised HTML.
    description: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(ForeignKey("subjects.code"))
    grade: Mapped[int | None] = mapped_column(Integer)
    #: One of COLLECTION_VISIBILITIES.
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    #: Set by the department: shown first in the shared library.
    featured: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list["LectureCollectionItem"]] = relationship(
        order_by="LectureCollectionItem.position", cascade="all, delete-orphan", passive_deletes=True)


class LectureCollectionItem(db.Model):
    __tablename__ = "lecture_collection_items"

    collection_id: Mapped[int] = mapped_column(ForeignKey("lecture_collections.id", ondelete="CASCADE"),
                                               primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"), index=True)


class LectureProgress(db.Model):
    """What one student watched of one video of one lecture."""

    __tablename__ = "lecture_progress"
    __table_args__ = (UniqueConstraint("lecture_id", "student_id", "media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"))
    #: Resume position, seconds.
    position_s: Mapped[float] = mapped_column(Float, default=0.0)
    #: Disjoint sorted watched spans in seconds: [[start, end], ...] (see lectures.watching).
    watched: Mapped[list] = mapped_column(JSON, default=list)
    watched_s: Mapped[float] = mapped_column(Float, default=0.0)
    #: Video duration used for the ratio, seconds.
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    watched_ratio: Mapped[float] = mapped_column(Float, default=0.0)
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Interactive packages only: the best score 0..1 their runtime reported (SCORM score.raw, postMessage).
    score: Mapped[float | None] = mapped_column(Float)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Wall-clock time of the last report; the gap to the next one (on any video of the lecture) adds to seen_s.
    last_report_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Seconds the server has seen this viewer on the lecture through this video's reports (gaps between
    #: reports, each capped); watched_s never exceeds it at the maximum playback rate plus a small slack.
    seen_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LecturePackageState(db.Model):
    """What a SCORM package saved for one student in one lecture: its run-time data, to resume next time."""

    __tablename__ = "lecture_package_states"
    __table_args__ = (UniqueConstraint("lecture_id", "student_id", "media_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lecture_id: Mapped[int] = mapped_column(ForeignKey("lectures.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"))
    #: "1.2" or "2004", from the package's manifest when the state was saved.
    version: Mapped[str] = mapped_column(String(4))
    #: The nested ``cmi`` object of the last commit, every leaf a string (lectures.scorm):
    #: {"core": {"lesson_location": "3", "lesson_status": "incomplete", "exit": "suspend", ...},
    #:  "suspend_data": "...", ...} for 1.2; {"location": "3", "completion_status": ..., ...} for 2004.
    cmi: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Commits received, for support ("did the package ever save?").
    commits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
