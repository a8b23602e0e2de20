"""Listeners for news from lms.exams (``lms.exams.signals``) and lms.lectures (``package_scored``); everything
comes from the signal kwargs.

Both run synchronously inside the exam's transaction, so a graded attempt's score is in the gradebook as
soon as the grading commits (and is rolled back with it).
"""
from __future__ import annotations

from lms.exams.signals import attempt_graded, exam_saved, scores_released
from lms.lectures.signals import package_scored

from . import services


def on_exam_saved(sender, *, exam_id, title, subject, class_ids, gradebook=None, school_year=None,
                  scores_released=False, gradebook_columns=None, **_):
    """Create or update the exam's column in every assigned class (API.md: kept in step when it changes).

    Raises ValidationFailed (a 422 for the exam's save) when a new column would break the TT22 counts."""
    services.sync_exam_columns(exam_id, title, subject, list(class_ids or []), gradebook, school_year,
                               released=scores_released, picked=gradebook_columns)


def on_scores_released(sender, *, exam_id, released, **_):
    """Công bố điểm: the exam's columns become visible to students (or hidden again)."""
    services.release_exam_columns(exam_id, released)


def on_attempt_graded(sender, *, attempt_id, exam_id, student_id, score_10, reason="submit", counted="best",
                      started_at=None, **_):
    """Record the attempt's result, pick the counted attempt and post it (once per change)."""
    services.record_exam_result(attempt_id=attempt_id, exam_id=exam_id, student_id=student_id, score_10=score_10,
                                reason=reason, started_at=started_at, counted=counted)
    services.post_exam_score(exam_id, student_id, counted, reason)


def on_package_scored(sender, *, lecture_id, media_id, student_id, score_10, **_):
    """A student's best score on a lecture's interactive package rose: post it where the teacher counts it."""
    services.post_package_score(lecture_id, media_id, student_id, score_10)


def connect() -> None:
    """Subscribe the handlers (strong references: they are module functions; connecting twice is a no-op)."""
    exam_saved.connect(on_exam_saved, weak=False)
    attempt_graded.connect(on_attempt_graded, weak=False)
    scores_released.connect(on_scores_released, weak=False)
    package_scored.connect(on_package_scored, weak=False)
