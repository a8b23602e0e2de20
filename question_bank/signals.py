"""News from the question bank for the layers above (search re-indexes, exams may refresh). Owned here so
imports point down."""
from blinker import Namespace

_signals = Namespace()

#: Sent after a question is created, edited (new version), changes status or scope, or is deleted, once the
#: change has been flushed (the transaction may still roll back; handlers should enqueue jobs, which run
#: only after commit). kwargs: question_id (int).
question_changed = _signals.signal("question-changed")
