"""A student's progress on one lecture: the reports of its players, packages and PDF reader merged into the
student's progress rows, the lecture's progress per student, and a class's report.

The arithmetic of watching is ``watching`` (pure), the PDF side ``reading``; this module stores what they
decide. Like ``services``, it flushes and sends signals (``package_scored``) but never commits.
"""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, select

from lms.accounts import api as accounts_api
from lms.core.db import db, utcnow
from lms.core.errors import Conflict, NotFound, ValidationFailed
from lms.core.permissions import ADMIN

from . import permissions, reading, signals, watching
from .attached import attached_media, progress_row
from .models import Lecture, LectureProgress, LectureVersion

#: Media kinds that are played (and whose watching counts towards completion).
PLAYABLE_KINDS = ("video", "audio")


def completion_ratio() -> float:
    """The configured share of a video that counts as watched (LECTURE_COMPLETION_RATIO, default 0.9)."""
    raw = current_app.config.get("LECTURE_COMPLETION_RATIO", watching.COMPLETION_RATIO)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return watching.COMPLETION_RATIO
    return value if 0 < value <= 1 else watching.COMPLETION_RATIO


def package_media(version: LectureVersion | None) -> list[dict]:
    """The ready interactive-package attachments of ``version`` as media.api dicts, in order."""
    return attached_media(version, ("package",), ready_only=True)


def score_10(score: float) -> Decimal:
    """A package score 0..1 on the 0..10 scale with one decimal, rounded half up (as gradebook scores are)."""
    return (Decimal(repr(float(score))) * 10).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _record_package(user, lecture: Lecture, info: dict, body: dict, now: datetime) -> dict:
    """A package runtime's report: completion is sticky, the best score counts (as Moodle's "highest")."""
    row = progress_row(lecture.id, user.id, info["id"], now)
    if body.get("completed") and not row.completed:
        row.completed, row.completed_at = True, now
        row.watched_ratio = 1.0
    score = body.get("score")
    improved = score is not None and (row.score is None or score > row.score)
    if improved:
        row.score = float(score)
    if body.get("position_s") is not None:
        row.position_s = float(body["position_s"])
    row.last_report_at = now
    db.session.flush()
    if improved:
        # The gradebook posts it in this transaction when the teacher counts the package into a column.
        signals.package_scored.send(lecture.id, lecture_id=lecture.id, media_id=info["id"], student_id=user.id,
                                    score_10=score_10(row.score))
    overall = lecture_progress_for(lecture, user.id)
    return {"lecture_id": lecture.id, "media_id": info["id"], "position_s": row.position_s,
            "watched_ratio": row.watched_ratio, "completed": row.completed, "score": row.score,
            "lecture_watched_ratio": overall["watched_ratio"], "lecture_completed": overall["completed"]}


def playable_media(version: LectureVersion | None) -> list[dict]:
    """The video/audio attachments of ``version`` as media.api dicts, in order."""
    return attached_media(version, PLAYABLE_KINDS)


def record_progress(user, lecture: Lecture, body: dict, now: datetime | None = None) -> dict:
    """Merge a player's report into the student's progress on one video; return the new state."""
    permissions.ensure_visible(user, lecture)
    version = permissions.readable_version(user, lecture, "published")
    now = now or utcnow()
    if body.get("media_id") is not None:
        package = next((p for p in package_media(version) if p["id"] == body["media_id"]), None)
        if package is not None:
            return _record_package(user, lecture, package, body, now)
        document = next((d for d in reading.document_media(version) if d["id"] == body["media_id"]), None)
        if document is not None:
            row = reading.record(user, lecture, document, body, now)
            overall = lecture_progress_for(lecture, user.id)
            return {"lecture_id": lecture.id, "media_id": document["id"], "position_s": row.position_s,
                    "watched_ratio": row.watched_ratio, "completed": row.completed,
                    "lecture_watched_ratio": overall["watched_ratio"], "lecture_completed": overall["completed"]}
    media = playable_media(version)
    if not media:
        raise Conflict("Bài giảng chưa có video để theo dõi tiến độ.")
    if body.get("position_s") is None:
        raise ValidationFailed(errors={"position_s": ["Thiếu vị trí đang xem (giây)."]})
    if body.get("media_id") is None:
        info = media[0]
    else:
        info = next((m for m in media if m["id"] == body["media_id"]), None)
        if info is None:
            raise ValidationFailed(errors={"media_id": ["Video không thuộc bài giảng này."]})
    duration = info.get("duration_s")
    if not duration or duration <= 0:
        raise Conflict("Video chưa xử lý xong nên chưa tính được tiến độ.")
    row = db.session.scalar(select(LectureProgress).where(
        LectureProgress.lecture_id == lecture.id, LectureProgress.student_id == user.id,
        LectureProgress.media_id == info["id"]))
    if row is None:
        row = LectureProgress(lecture_id=lecture.id, student_id=user.id, media_id=info["id"], watched=[],
                              watched_s=0.0, position_s=0.0, completed=False, seen_s=0.0, created_at=now)
        db.session.add(row)
    # Time in front of the lecture is counted from the viewer's previous report on any of its videos, so
    # reporting on two videos at once does not double it (see lectures.watching).
    last_seen = db.session.scalar(select(func.max(LectureProgress.last_report_at)).where(
        LectureProgress.lecture_id == lecture.id, LectureProgress.student_id == user.id))
    since = (now - last_seen).total_seconds() if last_seen else None
    row.seen_s = watching.seen_after_report(row.seen_s or 0.0, since)
    result = watching.merge(row.watched or [], body.get("watched") or [], float(duration),
                            budget_s=watching.report_budget(row.seen_s, row.watched_s or 0.0))
    row.watched = [list(span) for span in result.intervals]
    row.watched_s = result.watched_s
    row.duration_s = float(duration)
    row.watched_ratio = watching.ratio(result.watched_s, float(duration))
    row.position_s = watching.clamp_position(body.get("position_s"), float(duration))
    threshold = completion_ratio()
    if not row.completed and watching.is_complete(row.watched_ratio, threshold):
        row.completed = True
        row.completed_at = now
    row.last_report_at = now
    db.session.flush()
    overall = lecture_progress_for(lecture, user.id, media)
    return {"lecture_id": lecture.id, "media_id": info["id"], "position_s": row.position_s,
            "watched_ratio": row.watched_ratio, "completed": row.completed,
            "lecture_watched_ratio": overall["watched_ratio"], "lecture_completed": overall["completed"]}


def lecture_progress_for(lecture: Lecture, student_id: int, media: list[dict] | None = None,
                         rows: list[LectureProgress] | None = None, packages: list[dict] | None = None,
                         documents: list[dict] | None = None) -> dict:
    """One student's progress over every video of the published version (duration-weighted), its
    interactive packages (completion, best score) and its PDFs (page, last page reached); the lecture is
    completed when all of them are (a PDF whose page count is unknown is not judged)."""
    published = None
    if media is None or packages is None or documents is None:
        published = (db.session.get(LectureVersion, lecture.published_version_id)
                     if lecture.published_version_id else None)
    if media is None:
        media = playable_media(published)
    if packages is None:
        packages = package_media(published)
    if documents is None:
        documents = reading.document_media(published)
    if rows is None:
        rows = list(db.session.scalars(select(LectureProgress).where(
            LectureProgress.lecture_id == lecture.id, LectureProgress.student_id == student_id)))
    by_media = {r.media_id: r for r in rows}
    total_duration = watched = 0.0
    per_media = []
    last = None
    position = 0.0
    for info in media:
        duration = float(info.get("duration_s") or 0)
        row = by_media.get(info["id"])
        total_duration += duration
        if row is not None:
            watched += min(row.watched_s, duration) if duration else 0.0
            if last is None or (row.last_report_at and row.last_report_at > last):
                last, position = row.last_report_at, row.position_s
        per_media.append({"media_id": info["id"], "position_s": row.position_s if row else 0.0,
                          "watched_ratio": row.watched_ratio if row else 0.0,
                          "completed": bool(row and row.completed)})
    per_package = []
    for info in packages:
        row = by_media.get(info["id"])
        if row is not None and row.last_report_at and (last is None or row.last_report_at > last):
            last = row.last_report_at
        per_package.append({"media_id": info["id"], "completed": bool(row and row.completed),
                            "score": row.score if row else None})
    per_document = reading.per_document(documents, by_media)
    for info in documents:
        row = by_media.get(info["id"])
        if row is not None and row.last_report_at and (last is None or row.last_report_at > last):
            last = row.last_report_at
    judged = [d for d in per_document if d["pages"]]
    ratio = watching.ratio(watched, total_duration)
    if not per_media and (per_package or judged):
        # A lecture without video: the share of packages and PDFs finished stands for "watched".
        ratio = sum(p["completed"] for p in per_package + judged) / len(per_package + judged)
    parts = per_media + per_package + judged
    completed = bool(parts) and all(m["completed"] for m in parts)
    return {"watched_ratio": ratio, "completed": completed, "position_s": position, "last_watched_at": last,
            "media": per_media, "packages": per_package, "documents": per_document}


def progress_report(user, lecture: Lecture, class_id: int | None) -> dict:
    """Student: their own progress. Teacher/admin: every student of ``class_id`` (those without any too)."""
    permissions.ensure_visible(user, lecture)
    published = (db.session.get(LectureVersion, lecture.published_version_id)
                 if lecture.published_version_id else None)
    media, packages = playable_media(published), package_media(published)
    documents = reading.document_media(published)
    if user.role == "student":
        students = [user]
        class_id = None
    else:
        if class_id is None:
            raise ValidationFailed(errors={"class_id": ["Chọn lớp để xem tiến độ."]})
        klass = accounts_api.get_class(class_id)
        if klass is None or (user.role != ADMIN and class_id not in accounts_api.taught_class_ids(user.id)):
            raise NotFound("Không tìm thấy lớp.")
        students = accounts_api.class_students(class_id)
    ids = [s.id for s in students]
    rows = list(db.session.scalars(select(LectureProgress).where(
        LectureProgress.lecture_id == lecture.id, LectureProgress.student_id.in_(ids or [-1]))))
    by_student: dict[int, list[LectureProgress]] = {}
    for row in rows:
        by_student.setdefault(row.student_id, []).append(row)
    items = []
    for student in students:
        state = lecture_progress_for(lecture, student.id, media, by_student.get(student.id, []), packages,
                                     documents)
        items.append({"student_id": student.id, "full_name": student.full_name, "position_s": state["position_s"],
                      "watched_ratio": state["watched_ratio"], "completed": state["completed"],
                      "last_watched_at": state["last_watched_at"], "media": state["media"],
                      "packages": state["packages"], "documents": state["documents"]})
    return {"lecture_id": lecture.id, "class_id": class_id, "completion_ratio": completion_ratio(), "items": items}
