"""News from exams for the layers above (the gradebook listens). Owned here so imports point down."""
from blinker import Namespace

_signals = Namespace()

#: Sent after an exam is created or changed, once the transaction has flushed.
#: kwargs: exam_id, title, subject (code), class_ids (list[int]), gradebook (dict|None: {column_kind, semester}),
#: school_year (str), owner_id, scores_released (bool), gradebook_columns ({class_id: column_id} the teacher
#: picked for this save, or None: new columns).
exam_saved = _signals.signal("exam-saved")

#: Sent when the teacher releases (công bố) or withdraws an exam's scores. kwargs: exam_id, released (bool).
#: The gradebook shows or hides the exam's columns to students accordingly.
scores_released = _signals.signal("scores-released")

#: Sent when an attempt gets a (new) total: auto-graded at submit, hand-graded, or regraded.
#: kwargs: attempt_id, exam_id, student_id, score_10 (Decimal, 0..10, one decimal ROUND_HALF_UP),
#: reason ("submit" | "auto_submit" | "hand_grading" | "regrade"), counted ("best" | "last" | "first": which of the
#: student's attempts the exam counts), started_at (datetime of the attempt's start, to order attempts).
attempt_graded = _signals.signal("attempt-graded")
