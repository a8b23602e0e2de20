"""News from the gradebook for the layers above (notices tell students and parents). Owned here so imports
point down; handlers live in the listening package's ``handlers.py``."""
from blinker import Namespace

_signals = Namespace()

#: Sent when a column is released to students (released goes from false to true), after the flush.
#: kwargs: column_id, class_id, subject (code), semester, title.
column_released = _signals.signal("column-released")

#: Sent when a signed gradebook (or a class summary) is unlocked, after the flush: what was built from it (a
#: học bạ) is stale. kwargs: class_id, subject (code, or the class-summary code), semester.
gradebook_unlocked = _signals.signal("gradebook-unlocked")
