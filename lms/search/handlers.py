"""Signal handlers: a change to a question or lecture re-indexes it (see :func:`lms.search.service.changed`).

The owning features send their signal after a flush, inside the request's transaction. ``postgres``
indexes the object in that transaction just before it commits; ``whoosh`` queues a job once it commits
(``jobs`` holds it until then). Either way a rollback drops it, so the index never sees a change that did
not happen.
"""
from __future__ import annotations

from question_bank.signals import question_changed

from lms.lectures.signals import lecture_changed

from . import service


def on_question_changed(sender, question_id: int | None = None, **extra) -> None:
    """Queue re-indexing of the question that changed."""
    if question_id is not None:
        service.changed("question", int(question_id))


def on_lecture_changed(sender, lecture_id: int | None = None, **extra) -> None:
    """Queue re-indexing of the lecture that changed."""
    if lecture_id is not None:
        service.changed("lecture", int(lecture_id))


def connect() -> None:
    """Subscribe the handlers (idempotent: blinker keeps one subscription per receiver)."""
    question_changed.connect(on_question_changed, weak=False)
    lecture_changed.connect(on_lecture_changed, weak=False)
