"""Announcements (thông báo) to classes or schools, and each user's in-app notifications."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
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
    #: None (no e-mail wanted or possible) | queued | sent | failed (see ``tasks.email_notification``).
    email_status: Mapped[str | None] = mapped_column(String(10))
    #: SMTP attempts made for this notice's e-mail.
    email_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: Why the last attempt failed: an SMTP code and reason, never an address.
    email_error: Mapped[str] = mapped_column(String(200), default="", server_default="")


class NoticeSettings(db.Model):
    """How one user wants their notices beyond the app: the address e-mail copies go to, and whether to send
    them. Kept here rather than on the account because only notices use it; no row means no e-mail."""

    __tablename__ = "notice_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: The address given by the user on their Thông báo page; empty: none.
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: The user's opt-out: False keeps the address but sends nothing.
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
