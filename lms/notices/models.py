"""Announcements (thông báo) to classes or schools, and each user's in-app notifications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, db, utcnow


class Announcement(db.Model):
    """A message from a teacher to their classes, a school's admin to the school, the department to schools."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Plain text; shown escaped with its line breaks, so no HTML ever reaches a reader's page.
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    targets: Mapped[list["AnnouncementTarget"]] = relationship(cascade="all, delete-orphan")


class AnnouncementTarget(db.Model):
    """One class or one school an announcement reaches (exactly one of the two ids is set)."""

    __tablename__ = "announcement_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)


class Notification(db.Model):
    """One in-app notice for one user: an exam assigned, a score released, a lecture or question reviewed,
    an announcement. ``key`` makes each notice once per user (an exam saved twice is assigned once)."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "key"),
                      Index("ix_notifications_user_id_read_at", "user_id", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: exam_assigned | score_released | lecture_reviewed | question_reviewed | announcement
    kind: Mapped[str] = mapped_column(String(30))
    #: What the notice is about, for de-duplication: "exam:12", "column:7", "announcement:3", "lecture:5:published".
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    #: A same-site path the notice links to ("/exams/12"), or empty.
    url: Mapped[str] = mapped_column(String(300), default="")
    #: The announcement it carries, if any (its read state is this row's).
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Set by the e-mail job once sent (only when SMTP is configured).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
