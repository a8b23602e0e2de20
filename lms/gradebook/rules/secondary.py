"""Lower and upper secondary assessment (Thông tư 22/2021/TT-BGDĐT, 20/7/2021), as pure functions.

Comment-only subjects, the number of regular assessments, ĐTBmhk and ĐTBmcn, the learning result with the
Điều 9.3 adjustment, and the summer re-assessment. Comment results (Đạt / Chưa đạt) are ``bool``
(``True`` = Đạt) and ``None`` means "not assessed yet".
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from .errors import (
    GradebookRuleError, IncompleteResults, InvalidComment, InvalidScore, NotEligibleForReassessment,
    UnknownGradingMode,
)
from .scores import MAX_SCORE, _to_decimal, _weighted_average, record_score, round_score


# --------------------------------------------------------------------------------------------------
# Subjects: graded by score or by comment (TT22/2021, hình thức đánh giá)
# --------------------------------------------------------------------------------------------------

#: ``graded_by`` of a subject assessed by comment combined with a 0..10 score.
GRADED_BY_SCORE = "score"
#: ``graded_by`` of a subject assessed by comment only (GDTC, Nghệ thuật, Âm nhạc, Mĩ thuật,
#: Nội dung giáo dục địa phương, HĐTN-HN): the result is Đ (Đạt) or CĐ (Chưa đạt).
GRADED_BY_COMMENT = "comment"
GRADING_MODES = (GRADED_BY_SCORE, GRADED_BY_COMMENT)


def is_comment_subject(graded_by: str) -> bool:
    """True when a subject with this ``graded_by`` setting is assessed by comment only (Đ/CĐ).

    The decision comes from the subject's setting, never from its name, so a school's local-education
    subject or a future programme change needs no code change. Raises ``UnknownGradingMode``.
    """
    if graded_by not in GRADING_MODES:
        raise UnknownGradingMode(f"Hình thức đánh giá không hợp lệ: {graded_by!r} (chỉ nhận 'score' hoặc 'comment').")
    return graded_by == GRADED_BY_COMMENT


def is_scored_subject(graded_by: str) -> bool:
    """True when a subject with this ``graded_by`` setting gets 0..10 scores and averages."""
    return not is_comment_subject(graded_by)


#: Codes of a comment result, as typed by teachers and used in the API ("D"/"CD") and on paper ("Đ"/"CĐ").
COMMENT_PASSED_CODE = "Đ"
COMMENT_FAILED_CODE = "CĐ"
_COMMENT_SPELLINGS = {
    "đ": True, "d": True, "đạt": True, "dat": True,
    "cđ": False, "cd": False, "chưa đạt": False, "chua dat": False,
}


def record_comment(value: bool | str | None) -> bool | None:
    """Parse a comment-subject result: ``True`` for Đạt, ``False`` for Chưa đạt, ``None`` to clear.

    Accepts booleans and the usual spellings "Đ", "D", "Đạt", "CĐ", "CD", "Chưa đạt" (any case).
    Raises ``InvalidComment`` for anything else.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        key = " ".join(value.split()).lower()
        if key in _COMMENT_SPELLINGS:
            return _COMMENT_SPELLINGS[key]
    raise InvalidComment(f"Kết quả môn đánh giá bằng nhận xét phải là “Đ” hoặc “CĐ” (nhận được {value!r}).")


def comment_code(passed: bool) -> str:
    """The gradebook code of a comment result: "Đ" for Đạt, "CĐ" for Chưa đạt."""
    return COMMENT_PASSED_CODE if passed else COMMENT_FAILED_CODE


# --------------------------------------------------------------------------------------------------
# Number of assessments and averages (TT22/2021)
# --------------------------------------------------------------------------------------------------

#: TT22/2021: number of regular assessments (ĐĐGtx) per semester, by periods per school year:
#: up to 35 periods -> 2; over 35 up to 70 -> 3; over 70 -> 4. (upper bound of periods, count)
REGULAR_ASSESSMENTS_BY_PERIODS = ((35, 2), (70, 3))
REGULAR_ASSESSMENTS_ABOVE_70_PERIODS = 4
#: TT22/2021: one midterm (ĐĐGgk) and one final (ĐĐGck) assessment per semester.
MIDTERM_ASSESSMENTS_PER_SEMESTER = 1
FINAL_ASSESSMENTS_PER_SEMESTER = 1
#: TT22/2021: ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5).
REGULAR_WEIGHT = 1
MIDTERM_WEIGHT = 2
FINAL_WEIGHT = 3
#: TT22/2021: ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3.
SEMESTER_1_WEIGHT = 1
SEMESTER_2_WEIGHT = 2


def regular_assessment_count(periods_per_year: int) -> int:
    """Number of regular scores (ĐĐGtx) per semester for a subject with this many periods a year.

    TT22/2021: 35 periods -> 2; over 35 up to 70 -> 3; over 70 -> 4. A subject with fewer than 35
    periods keeps the minimum of 2. Raises ``GradebookRuleError`` for a non-positive or non-int count.
    """
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int) or periods_per_year <= 0:
        raise GradebookRuleError(f"Số tiết/năm học phải là số nguyên dương (nhận được {periods_per_year!r}).")
    for upper_bound, count in REGULAR_ASSESSMENTS_BY_PERIODS:
        if periods_per_year <= upper_bound:
            return count
    return REGULAR_ASSESSMENTS_ABOVE_70_PERIODS


def semester_average(
    tx: Iterable[Decimal | None],
    gk: Decimal | None,
    ck: Decimal | None,
    *,
    required_tx: int | None = None,
) -> Decimal | None:
    """The semester subject average ĐTBmhk, recorded to one decimal half up; None if incomplete.

    ``(ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5)`` (TT22/2021). A missing component (no regular
    score, a ``None`` regular score, no gk or no ck, or fewer regular scores than ``required_tx`` when
    given) means there is no official average and ``None`` is returned. Each score is validated and
    recorded with ``record_score``. More regular scores than ``required_tx`` raises ``GradebookRuleError``.
    """
    regular = list(tx)
    if required_tx is not None and len(regular) > required_tx:
        raise GradebookRuleError(
            f"Có {len(regular)} điểm đánh giá thường xuyên, nhiều hơn số quy định ({required_tx})."
        )
    if not regular or any(score is None for score in regular) or gk is None or ck is None:
        return None
    if required_tx is not None and len(regular) < required_tx:
        return None
    total = (
        REGULAR_WEIGHT * sum((record_score(score) for score in regular), Decimal(0))
        + MIDTERM_WEIGHT * record_score(gk)
        + FINAL_WEIGHT * record_score(ck)
    )
    weight = REGULAR_WEIGHT * len(regular) + MIDTERM_WEIGHT + FINAL_WEIGHT
    return _weighted_average(total, weight)


def year_average(sem1: Decimal | None, sem2: Decimal | None) -> Decimal | None:
    """The year subject average ĐTBmcn from the two semester averages; None if either is missing.

    ``(ĐTBmhkI + 2·ĐTBmhkII) / 3`` (TT22/2021), computed from the **recorded** semester averages:
    each input is first recorded (rounded to one decimal) so a raw 6,35 counts as 6,4, as in the
    gradebook the parent sees.
    """
    if sem1 is None or sem2 is None:
        return None
    total = SEMESTER_1_WEIGHT * record_score(sem1) + SEMESTER_2_WEIGHT * record_score(sem2)
    return _weighted_average(total, SEMESTER_1_WEIGHT + SEMESTER_2_WEIGHT)


def comment_semester_result(assessments: Iterable[bool | None]) -> bool | None:
    """Semester result of a comment-only subject: Đạt (True) when every required assessment is Đạt.

    ``assessments`` holds every required assessment of the semester (regular, midterm, final).
    Returns None while any of them is missing (or none is given): no official result yet.
    """
    results = list(assessments)
    if not results or any(result is None for result in results):
        return None
    return all(results)


def comment_year_result(sem1: bool | None, sem2: bool | None) -> bool | None:
    """Year result of a comment-only subject: by TT22/2021 it is the semester II result.

    ``sem1`` does not change the outcome (a student who failed semester I but passed semester II has
    passed the year); it is accepted so callers treat both kinds of subject alike.
    """
    del sem1  # deliberately unused: the regulation looks at semester II only
    return sem2


def scale_to_ten(earned: Decimal | int | str, possible: Decimal | int | str) -> Decimal:
    """Scale an exam result to the 10-point gradebook scale, recorded to one decimal half up.

    ``earned`` and ``possible`` are exam points (e.g. 33,5 of 40 -> 8,4). Raises ``InvalidScore`` when
    ``possible`` is not positive or ``earned`` is outside ``0..possible``.
    """
    points = _to_decimal(earned)
    maximum = _to_decimal(possible)
    if maximum <= 0:
        raise InvalidScore(possible, "Tổng điểm tối đa của bài phải lớn hơn 0.")
    if not Decimal(0) <= points <= maximum:
        raise InvalidScore(earned, f"Điểm đạt được ({earned}) phải nằm trong khoảng từ 0 đến {possible}.")
    with localcontext() as ctx:
        ctx.prec = 40
        return round_score(points * MAX_SCORE / maximum)


# --------------------------------------------------------------------------------------------------
# Learning result of a semester or year (TT22/2021, Điều 9)
# --------------------------------------------------------------------------------------------------


class Level(enum.Enum):
    """Learning (or conduct) result of a semester or year, best first."""

    TOT = "tot"
    KHA = "kha"
    DAT = "dat"
    CHUA_DAT = "chua_dat"

    @property
    def label(self) -> str:
        """The Vietnamese label printed in the gradebook and transcript."""
        return _LEVEL_LABELS[self]

    @property
    def rank(self) -> int:
        """0 for Tốt down to 3 for Chưa đạt; a distance in ranks is a number of levels."""
        return _LEVEL_ORDER.index(self)


_LEVEL_ORDER = (Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT)
_LEVEL_LABELS = {Level.TOT: "Tốt", Level.KHA: "Khá", Level.DAT: "Đạt", Level.CHUA_DAT: "Chưa đạt"}

#: Tốt: all comment subjects Đạt; every scored subject >= 6,5; at least 6 scored subjects >= 8,0.
GOOD_MIN_EVERY = Decimal("6.5")
GOOD_HIGH_SCORE = Decimal("8.0")
#: Khá: all comment subjects Đạt; every scored subject >= 5,0; at least 6 scored subjects >= 6,5.
FAIR_MIN_EVERY = Decimal("5.0")
FAIR_HIGH_SCORE = Decimal("6.5")
#: Đạt: at most one comment subject Chưa đạt; at least 6 scored subjects >= 5,0; none below 3,5.
PASS_MAX_FAILED_COMMENTS = 1
PASS_HIGH_SCORE = Decimal("5.0")
PASS_MIN_EVERY = Decimal("3.5")
#: The "at least 6 scored subjects" of all three levels above.
HIGH_SCORE_SUBJECTS_REQUIRED = 6
#: Điều 9.3: a result pulled this many levels (or more) below Tốt/Khá by one single subject is raised.
ADJUSTMENT_MIN_DROP = 2
ADJUSTMENT_TARGETS = (Level.TOT, Level.KHA)
# What a subject is imagined to score when asking "what would the result be without this subject?".
_BEST_SCORE = MAX_SCORE


@dataclass(frozen=True)
class Classification:
    """A learning result with the reason for any Điều 9.3 adjustment.

    ``level`` is the official result; ``unadjusted`` the level from the thresholds alone;
    ``decisive_subject`` the single subject that triggered the adjustment (None when not adjusted).
    """

    level: Level
    unadjusted: Level
    decisive_subject: str | None = None


def _level_from_thresholds(scored: Mapping[str, Decimal], comment: Mapping[str, bool]) -> Level:
    averages = list(scored.values())
    failed_comments = sum(1 for passed in comment.values() if not passed)

    def count_at_least(threshold: Decimal) -> int:
        return sum(1 for average in averages if average >= threshold)

    if (
        failed_comments == 0
        and all(average >= GOOD_MIN_EVERY for average in averages)
        and count_at_least(GOOD_HIGH_SCORE) >= HIGH_SCORE_SUBJECTS_REQUIRED
    ):
        return Level.TOT
    if (
        failed_comments == 0
        and all(average >= FAIR_MIN_EVERY for average in averages)
        and count_at_least(FAIR_HIGH_SCORE) >= HIGH_SCORE_SUBJECTS_REQUIRED
    ):
        return Level.KHA
    if (
        failed_comments <= PASS_MAX_FAILED_COMMENTS
        and count_at_least(PASS_HIGH_SCORE) >= HIGH_SCORE_SUBJECTS_REQUIRED
        and all(average >= PASS_MIN_EVERY for average in averages)
    ):
        return Level.DAT
    return Level.CHUA_DAT


def _checked_results(
    scored: Mapping[str, Decimal | None], comment: Mapping[str, bool | None]
) -> tuple[dict[str, Decimal], dict[str, bool]]:
    overlap = set(scored) & set(comment)
    if overlap:
        raise GradebookRuleError("Môn học vừa có điểm số vừa có nhận xét: " + ", ".join(sorted(overlap)))
    missing = [name for name, value in {**scored, **comment}.items() if value is None]
    if missing:
        raise IncompleteResults(missing)
    return (
        {name: record_score(value) for name, value in scored.items()},
        {name: bool(record_comment(value)) for name, value in comment.items()},
    )


def classification_detail(
    scored: Mapping[str, Decimal | None], comment: Mapping[str, bool | None]
) -> Classification:
    """Classify a semester or year learning result and say whether Điều 9.3 adjusted it.

    ``scored`` maps each scored subject to its ĐTBmhk (semester) or ĐTBmcn (year); ``comment`` maps each
    comment-only subject to its result (True = Đạt). Điều 9.3: when one single subject pulls the result
    two or more levels below Tốt or Khá, the result is raised by one level. "Pulled by one subject" is
    read as: with that subject at its best (10 or Đạt) and every other result unchanged, the student
    would reach Tốt or Khá. Raises ``IncompleteResults`` if any result is missing.
    """
    scores, comments = _checked_results(scored, comment)
    unadjusted = _level_from_thresholds(scores, comments)
    for name in list(scores) + list(comments):
        without_subject = _level_from_thresholds(
            {**scores, name: _BEST_SCORE} if name in scores else scores,
            {**comments, name: True} if name in comments else comments,
        )
        if without_subject in ADJUSTMENT_TARGETS and unadjusted.rank - without_subject.rank >= ADJUSTMENT_MIN_DROP:
            raised = _LEVEL_ORDER[unadjusted.rank - 1]
            return Classification(level=raised, unadjusted=unadjusted, decisive_subject=name)
    return Classification(level=unadjusted, unadjusted=unadjusted)


def classify(scored: Mapping[str, Decimal | None], comment: Mapping[str, bool | None]) -> Level:
    """The learning result (Tốt, Khá, Đạt, Chưa đạt) of a semester or year, Điều 9.3 adjustment included.

    See ``classification_detail`` for the inputs and for the reason behind an adjustment.
    """
    return classification_detail(scored, comment).level


# --------------------------------------------------------------------------------------------------
# Summer re-assessment (TT22/2021: kiểm tra, đánh giá lại trong kì nghỉ hè)
# --------------------------------------------------------------------------------------------------

#: Scored subjects with ĐTBmcn below this are re-assessed.
REASSESSMENT_BELOW = Decimal("5.0")
#: Re-assessment is offered only when the year conduct result (rèn luyện) is at least this.
REASSESSMENT_MIN_CONDUCT = Level.DAT


@dataclass(frozen=True)
class ReassessmentOutcome:
    """Year results after the summer re-assessment replaced the re-assessed subjects, and the new level."""

    scored: dict[str, Decimal]
    comment: dict[str, bool]
    level: Level


def summer_reassessment_subjects(
    scored: Mapping[str, Decimal], comment: Mapping[str, bool], conduct: Level
) -> list[str]:
    """Subjects a student re-takes in the summer; an empty list when there is no re-assessment.

    Only a student whose year learning result is Chưa đạt and whose year conduct is at least Đạt is
    re-assessed, in every scored subject with ĐTBmcn < 5,0 and every comment subject at Chưa đạt.
    ``scored``/``comment`` are year results as for ``classify``. Scored subjects come first, in order.
    """
    scores, comments = _checked_results(scored, comment)
    if conduct.rank > REASSESSMENT_MIN_CONDUCT.rank or classify(scores, comments) is not Level.CHUA_DAT:
        return []
    return [name for name, average in scores.items() if average < REASSESSMENT_BELOW] + [
        name for name, passed in comments.items() if not passed
    ]


def apply_reassessment(
    scored: Mapping[str, Decimal],
    comment: Mapping[str, bool],
    conduct: Level,
    new_scored: Mapping[str, Decimal | int | str],
    new_comment: Mapping[str, bool | str],
) -> ReassessmentOutcome:
    """Replace year results by the summer re-assessment results and classify the year again.

    The re-assessment result replaces the year result of that subject, even when it is lower.
    Raises ``NotEligibleForReassessment`` for a subject that ``summer_reassessment_subjects`` does not list.
    """
    eligible = set(summer_reassessment_subjects(scored, comment, conduct))
    unexpected = sorted((set(new_scored) | set(new_comment)) - eligible)
    if unexpected:
        raise NotEligibleForReassessment("Môn học không thuộc diện kiểm tra lại: " + ", ".join(unexpected))
    scores, comments = _checked_results(scored, comment)
    for name, value in new_scored.items():
        if name not in scores:
            raise NotEligibleForReassessment(f"Môn {name} không đánh giá bằng điểm số.")
        scores[name] = record_score(value)
    for name, value in new_comment.items():
        if name not in comments:
            raise NotEligibleForReassessment(f"Môn {name} không đánh giá bằng nhận xét.")
        result = record_comment(value)
        if result is None:
            raise InvalidComment(f"Thiếu kết quả kiểm tra lại môn {name}.")
        comments[name] = result
    return ReassessmentOutcome(scored=scores, comment=comments, level=classify(scores, comments))
