"""Assessment rules of Vietnamese general education, as pure functions.

Every threshold, weight and count the gradebook uses lives here as a named constant, next to the legal
source a teacher or parent can check:

* Thông tư 22/2021/TT-BGDĐT (20/7/2021): assessment of lower and upper secondary students (THCS, THPT),
  in ``secondary`` (with the 10-point scale in ``scores``).
* Thông tư 27/2020/TT-BGDĐT (04/9/2020): assessment of primary students (tiểu học), in ``primary``.

Scores are ``decimal.Decimal``; a float never enters a computation, because 8,25 stored as a binary float
is 8,2499… and would round to 8,2 in front of every parent.  Comment results (Đạt / Chưa đạt) are ``bool``
(``True`` = Đạt) and ``None`` means "not assessed yet". Callers use the names re-exported here
(``rules.record_score``), not the modules.
"""

from __future__ import annotations

from .errors import (
    GradebookRuleError, IncompleteResults, InvalidComment, InvalidScore, NotEligibleForReassessment,
    UnknownGradingMode,
)
from .scores import (
    MAX_SCORE, MIN_SCORE, SCORE_QUANTUM, SCORE_ROUNDING, record_score, round_score,
)
from .secondary import (
    ADJUSTMENT_MIN_DROP, ADJUSTMENT_TARGETS, COMMENT_FAILED_CODE, COMMENT_PASSED_CODE, FAIR_HIGH_SCORE,
    FAIR_MIN_EVERY, FINAL_ASSESSMENTS_PER_SEMESTER, FINAL_WEIGHT, GOOD_HIGH_SCORE, GOOD_MIN_EVERY,
    GRADED_BY_COMMENT, GRADED_BY_SCORE, GRADING_MODES, HIGH_SCORE_SUBJECTS_REQUIRED,
    MIDTERM_ASSESSMENTS_PER_SEMESTER, MIDTERM_WEIGHT, PASS_HIGH_SCORE, PASS_MAX_FAILED_COMMENTS, PASS_MIN_EVERY,
    REASSESSMENT_BELOW, REASSESSMENT_MIN_CONDUCT, REGULAR_ASSESSMENTS_ABOVE_70_PERIODS,
    REGULAR_ASSESSMENTS_BY_PERIODS, REGULAR_WEIGHT, SEMESTER_1_WEIGHT, SEMESTER_2_WEIGHT, Classification, Level,
    ReassessmentOutcome, apply_reassessment, classification_detail, classify, comment_code,
    comment_semester_result, comment_year_result, is_comment_subject, is_scored_subject, record_comment,
    regular_assessment_count, scale_to_ten, semester_average, summer_reassessment_subjects, year_average,
)
from .primary import (
    PRIMARY_COMPLETE_MIN_TEST, PRIMARY_EXCELLENT_MIN_TEST, PRIMARY_GOOD_MIN_TEST, PRIMARY_MAX_TEST_SCORE,
    PRIMARY_MIN_TEST_SCORE, MIDTERM_TEST_GRADES, MIDTERM_TEST_SUBJECTS, PRIMARY_GRADES, PRIMARY_QUALITIES,
    PRIMARY_QUALITY_GROUPS,
    PrimaryLevel, PrimaryYearResult, QualityLevel, has_midterm_test, is_primary_grade, primary_year_result,
    record_primary_level, record_primary_test_score, record_quality_level,
)

__all__ = [
    "ADJUSTMENT_MIN_DROP", "ADJUSTMENT_TARGETS", "COMMENT_FAILED_CODE", "COMMENT_PASSED_CODE", "Classification",
    "FAIR_HIGH_SCORE", "FAIR_MIN_EVERY", "FINAL_ASSESSMENTS_PER_SEMESTER", "FINAL_WEIGHT", "GOOD_HIGH_SCORE",
    "GOOD_MIN_EVERY", "GRADED_BY_COMMENT", "GRADED_BY_SCORE", "GRADING_MODES", "GradebookRuleError",
    "HIGH_SCORE_SUBJECTS_REQUIRED", "IncompleteResults", "InvalidComment", "InvalidScore", "Level", "MAX_SCORE",
    "MIDTERM_ASSESSMENTS_PER_SEMESTER", "MIDTERM_TEST_GRADES", "MIDTERM_TEST_SUBJECTS", "MIDTERM_WEIGHT",
    "MIN_SCORE", "NotEligibleForReassessment", "PASS_HIGH_SCORE", "PASS_MAX_FAILED_COMMENTS", "PASS_MIN_EVERY",
    "PRIMARY_COMPLETE_MIN_TEST", "PRIMARY_EXCELLENT_MIN_TEST", "PRIMARY_GOOD_MIN_TEST", "PRIMARY_GRADES",
    "PRIMARY_MAX_TEST_SCORE", "PRIMARY_MIN_TEST_SCORE", "PRIMARY_QUALITIES", "PRIMARY_QUALITY_GROUPS",
    "PrimaryLevel",
    "PrimaryYearResult", "QualityLevel", "REASSESSMENT_BELOW", "REASSESSMENT_MIN_CONDUCT",
    "REGULAR_ASSESSMENTS_ABOVE_70_PERIODS", "REGULAR_ASSESSMENTS_BY_PERIODS", "REGULAR_WEIGHT",
    "ReassessmentOutcome", "SCORE_QUANTUM", "SCORE_ROUNDING", "SEMESTER_1_WEIGHT", "SEMESTER_2_WEIGHT",
    "UnknownGradingMode", "apply_reassessment", "classification_detail", "classify", "comment_code",
    "comment_semester_result", "comment_year_result", "has_midterm_test", "is_comment_subject",
    "is_primary_grade", "is_scored_subject", "primary_year_result", "record_comment", "record_primary_level",
    "record_primary_test_score", "record_quality_level", "record_score", "regular_assessment_count",
    "round_score", "scale_to_ten", "semester_average", "summer_reassessment_subjects", "year_average",
]
