"""Subjects and topics."""
from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import db


class Subject(db.Model):
    __tablename__ = "subjects"

    #: Stable code of API.md ("toan", "ngu-van", ...).
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: "score" (0-10) or "comment" (Đ/CĐ), Thông tư 22 Điều 5.
    graded_by: Mapped[str] = mapped_column(String(10))
    #: {"10": 105, "11": 105} — periods per school year for each grade where the subject is taught.
    periods_per_year: Mapped[dict] = mapped_column(JSON, default=dict)


class Topic(db.Model):
    """A node of the topic tree (chủ đề / đơn vị kiến thức) of one subject and grade."""

    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_code: Mapped[str] = mapped_column(ForeignKey("subjects.code"), index=True)
    grade: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
