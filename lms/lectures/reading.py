"""Reading progress of a lecture's PDF e-textbooks: the page a student is on, and the last page reached.

The reader reports ``PUT /lectures/{id}/progress`` with ``{media_id, position_s: <page number>}`` (the contract
reuses the video field). The row keeps the current page (``position_s``, where the reader reopens), the page
count (``duration_s``) and the furthest share read (``watched_ratio``). Reaching the last page completes the
document, for good; a PDF whose page count processing could not learn is remembered but never judged.
"""
from __future__ import annotations

from datetime import datetime

from lms.core.db import db
from lms.core.errors import ValidationFailed

from .attached import attached_media, progress_row
from .models import Lecture, LectureProgress, LectureVersion


def document_media(version: LectureVersion | None) -> list[dict]:
    """The ready PDF attachments of ``version`` as media.api dicts (``pages`` may be None), in order."""
    return attached_media(version, ("pdf",), ready_only=True)


def clamp_page(page: float, pages: int | None) -> int:
    """A page number the reader can open: 1..pages (1.. when the count is unknown)."""
    number = max(1, int(page))
    return min(number, pages) if pages else number


def record(user, lecture: Lecture, info: dict, body: dict, now: datetime) -> LectureProgress:
    """Store the reader's page for one student and PDF; completes the document on its last page (flushed)."""
    if body.get("position_s") is None:
        raise ValidationFailed(errors={"position_s": ["Thiếu số trang đang đọc."]})
    pages = info.get("pages")
    row = progress_row(lecture.id, user.id, info["id"], now)
    page = clamp_page(body["position_s"], pages)
    row.position_s = float(page)
    if pages:
        row.duration_s = float(pages)
        row.watched_ratio = max(row.watched_ratio or 0.0, round(page / pages, 4))
        if page >= pages and not row.completed:
            row.completed, row.completed_at = True, now
    row.last_report_at = now
    db.session.flush()
    return row


def per_document(documents: list[dict], by_media: dict[int, LectureProgress]) -> list[dict]:
    """``[{media_id, page, pages, completed}]`` of one student, in the lecture's order."""
    out = []
    for info in documents:
        row = by_media.get(info["id"])
        out.append({"media_id": info["id"], "page": int(row.position_s) if row and row.position_s >= 1 else 1,
                    "pages": info.get("pages"), "completed": bool(row and row.completed)})
    return out
