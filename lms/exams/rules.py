"""The exam rules as named constants and tiny pure functions, so every threshold lives in one place."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: Autosaves are still accepted this long after the deadline: a request sent at 59:59 on a slow school
#: network must not lose the last answers. After it the attempt is closed and submitted.
GRACE_SECONDS = 30

MODES = ("practice", "exam")
#: When a student may see what (lms.exams.permissions.review_level explains each).
REVIEW_POLICIES = ("immediately", "after_submit", "after_close", "never")
#: Which of a student's attempts counts towards the result and the gradebook.
COUNTED_POLICIES = ("best", "last", "first")
GRADEBOOK_KINDS = ("tx", "gk", "ck")
SCORING_POLICIES = ("proportional", "all_or_nothing", "thpt2025")
FILL_MODES = ("fixed", "per_student")
LEVELS = ("nhan_biet", "thong_hieu", "van_dung", "van_dung_cao")
#: Question types the 2025 national exam format (Quyết định 764) can score.
THPT2025_TYPES = frozenset({"single_choice", "true_false_group", "short_answer"})
#: Statistics flags (classical test theory rules of thumb used by Vietnamese item banks too).
WEAK_DISCRIMINATION = 0.2
FACILITY_RANGE = (0.2, 0.9)
#: Share of students in the upper and lower groups of the discrimination index (Kelley's 27 %).
DISCRIMINATION_GROUP = 0.27
MAX_PAPER_VERSIONS = 24
MAX_QUESTIONS_PER_EXAM = 200

CENTI = Decimal("0.01")
TENTH = Decimal("0.1")
TEN = Decimal(10)


def points(value) -> Decimal:
    """A Decimal of points with two places, rounded half up."""
    return Decimal(value).quantize(CENTI, rounding=ROUND_HALF_UP)


def scale_to_ten(score: Decimal | None, max_score: Decimal | None) -> Decimal | None:
    """``score`` out of ``max_score`` on the 0–10 scale, one decimal, ROUND_HALF_UP (Thông tư 22 rounding).

    None when there is nothing to scale (no score yet or a paper worth nothing).
    """
    if score is None or not max_score:
        return None
    return (Decimal(score) * TEN / Decimal(max_score)).quantize(TENTH, rounding=ROUND_HALF_UP)


#: Largest autosave ``seq`` (it is stored in a 32-bit integer column on every engine).
MAX_SEQ = 2**31 - 1
