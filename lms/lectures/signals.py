"""News from lectures for the layers above (search re-indexes, exams may link practice tests).

Owned here so imports point down; handlers live in the listening package's ``handlers.py``.
"""
from blinker import Namespace

_signals = Namespace()

#: ``lecture_changed.send(lecture_id, lecture_id=lecture_id, action=...)`` after any change has been flushed.
#: ``action`` is one of "created", "updated", "submitted", "published", "rejected", "deleted" and "media" (a
#: video it uses finished processing). Listeners re-read through ``lms.lectures.api`` (a deleted lecture is gone).
lecture_changed = _signals.signal("lecture-changed")
