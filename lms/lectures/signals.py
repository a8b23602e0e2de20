"""News from lectures for the layers above (search re-indexes, exams may link practice tests, the gradebook
posts package scores).

Owned here so imports point down; handlers live in the listening package's ``handlers.py``.
"""
from blinker import Namespace

_signals = Namespace()

#: ``lecture_changed.send(lecture_id, lecture_id=lecture_id, action=...)`` after any change has been flushed.
#: ``action`` is one of "created", "updated", "submitted", "published", "rejected", "deleted" and "media" (a
#: video it uses finished processing). Listeners re-read through ``lms.lectures.api`` (a deleted lecture is gone).
lecture_changed = _signals.signal("lecture-changed")

#: ``package_scored.send(lecture_id, lecture_id=..., media_id=..., student_id=..., score_10=...)`` after a
#: student's best score on an interactive package of the lecture rose (flushed, not yet committed: listeners
#: write in the same transaction). ``score_10`` is a Decimal 0..10 with one decimal, rounded half up.
package_scored = _signals.signal("package-scored")
