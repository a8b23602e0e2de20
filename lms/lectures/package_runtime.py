"""SCORM packages of a lecture: each student's saved run-time data, restored on launch, mapped into progress.

The package itself never reaches this code: it runs sandboxed on an opaque origin (media.package_runtime) and
talks SCORM to the player page, which runs scorm-again and sends the student's commits here with their
session (static/scorm-player.js). What the package reports is the student's own learning record, so it is
stored as sent (within limits) and completion/score are derived from it here, not taken from the client.
"""
from __future__ import annotations

from sqlalchemy import select

from lms.core.db import db, utcnow
from lms.core.errors import NotFound

from . import permissions, progress, scorm
from .models import Lecture, LecturePackageState


def scorm_package(user, lecture: Lecture, media_id: int) -> dict:
    """The published SCORM package ``media_id`` of ``lecture`` as a media.api dict; NotFound otherwise."""
    permissions.ensure_visible(user, lecture)
    version = permissions.readable_version(user, lecture, "published")
    info = next((p for p in progress.package_media(version) if p["id"] == media_id), None)
    if info is None or (info.get("package") or {}).get("type") != "scorm":
        raise NotFound("Bài giảng không có gói SCORM này.")
    return info


def _row(lecture_id: int, student_id: int, media_id: int) -> LecturePackageState | None:
    return db.session.scalar(select(LecturePackageState).where(
        LecturePackageState.lecture_id == lecture_id, LecturePackageState.student_id == student_id,
        LecturePackageState.media_id == media_id))


def launch(user, lecture: Lecture, media_id: int) -> dict:
    """What the player page hands scorm-again for a new session: ``{version, cmi}`` (see scorm.launch_state)."""
    info = scorm_package(user, lecture, media_id)
    version = scorm.version_of(info.get("package") or {})
    row = _row(lecture.id, user.id, media_id)
    saved = row.cmi if row is not None and row.version == version else None
    return {"lecture_id": lecture.id, "media_id": media_id, "version": version,
            "cmi": scorm.launch_state(saved, version, user.id, user.full_name or user.username)}


def save(user, lecture: Lecture, media_id: int, cmi: dict) -> dict:
    """Store a commit of the student's ``cmi`` and fold its completion and score into the lecture progress.

    The stored state is replaced (a commit carries the whole data model); the progress keeps completion
    sticky and the best score, as for every package (progress.record_progress).
    """
    info = scorm_package(user, lecture, media_id)
    version = scorm.version_of(info.get("package") or {})
    cmi = scorm.check_state(cmi)
    now = utcnow()
    row = _row(lecture.id, user.id, media_id)
    if row is None:
        row = LecturePackageState(lecture_id=lecture.id, student_id=user.id, media_id=media_id, commits=0,
                                  created_at=now)
        db.session.add(row)
    row.version, row.cmi, row.updated_at = version, cmi, now
    row.commits = (row.commits or 0) + 1
    completed, score = scorm.progress(cmi, version)
    db.session.flush()
    report = {"media_id": media_id, "completed": completed or None, "score": score}
    return progress.record_progress(user, lecture, report, now=now)
