"""The media attached to a lecture version, by kind (what progress is counted over: videos, packages, PDFs),
and a student's progress row on one of them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

import media.api as media_api
from lms.core.db import db

from .models import LectureProgress, LectureVersion


def attached_media(version: LectureVersion | None, kinds: tuple[str, ...], ready_only: bool = False) -> list[dict]:
    """The attachments of ``version`` whose kind is in ``kinds`` as media.api dicts, in the lecture's order;
    only ready ones with ``ready_only``."""
    if version is None:
        return []
    out = []
    for att in version.attachments:
        info = media_api.get_media(att.media_id)
        if info is not None and info["kind"] in kinds and (not ready_only or info["status"] == "ready"):
            out.append(info)
    return out


def progress_row(lecture_id: int, student_id: int, media_id: int, now: datetime) -> LectureProgress:
    """The student's progress row on one attached medium, created empty (and added) when there is none."""
    row = db.session.scalar(select(LectureProgress).where(
        LectureProgress.lecture_id == lecture_id, LectureProgress.student_id == student_id,
        LectureProgress.media_id == media_id))
    if row is None:
        row = LectureProgress(lecture_id=lecture_id, student_id=student_id, media_id=media_id, watched=[],
                              watched_s=0.0, position_s=0.0, completed=False, seen_s=0.0, duration_s=0.0,
                              watched_ratio=0.0, created_at=now)
        db.session.add(row)
    return row
