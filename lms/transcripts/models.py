"""The học bạ số: one PDF per student per school year, and the signatures added to it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime, db, utcnow

#: draft (generated, unsigned) -> signed_homeroom (the homeroom teacher signed) -> signed (the principal signed;
#: the school's seal may follow and the status stays "signed").
STATUSES = ("draft", "signed_homeroom", "signed")


class Transcript(db.Model):
    __tablename__ = "transcripts"
    __table_args__ = (UniqueConstraint("student_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The class of that school year (its homeroom teacher signs first).
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(9))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: The PDF with every signature so far (each an incremental update). A học bạ is ~50 KB, so it lives in the
    #: database, where the signature order is enforced in the same transaction as the bytes.
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    #: The homeroom teacher's remark printed on the transcript.
    homeroom_comment: Mapped[str] = mapped_column(Text, default="")
    #: The homeroom teacher's TT22 training result (kết quả rèn luyện) of a lower/upper secondary student:
    #: {"1": level, "2": level, "year": level}, each level "tot" | "kha" | "dat" | "chua_dat" (absent: not given).
    #: None for primary students (TT27 has no such result).
    conduct: Mapped[dict | None] = mapped_column(JSON, default=None)
    #: [{"role": "homeroom"|"principal"|"seal", "name": str, "user_id": int, "signed_at": iso, "field": str}]
    signatures: Mapped[list] = mapped_column(JSON, default=list)
    #: True once the gradebook changed after generation (an unlocked, re-signed gradebook): generate again.
    stale: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TranscriptBatch(db.Model):
    """A class's transcripts built by a job: progress here, the PDFs on each Transcript, one zip to download."""

    __tablename__ = "transcript_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(9))
    #: queued | running | done | failed
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    #: Transcript ids built so far (signed ones are kept as they are and listed too).
    transcript_ids: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
