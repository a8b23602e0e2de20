"""Thông tư 22/2021 and 27/2020 rules, with every worked example of shared/DOMAIN.md quoted."""

from decimal import Decimal as D

import pytest

from lms.gradebook import rules
from lms.gradebook.rules import (
    IncompleteResults,
    InvalidComment,
    InvalidScore,
    Level,
    NotEligibleForReassessment,
    PrimaryLevel,
    PrimaryYearResult,
    QualityLevel,
)

# --------------------------------------------------------------------------------------------------
# Worked examples of DOMAIN.md
# --------------------------------------------------------------------------------------------------


def test_domain_example_toan_four_tx_semester_and_year():
    # "Toán, 4 tx. Sem I: tx 8; 7,5; 9; 6, gk 7, ck 8,5 -> 70/9 = 7,777… -> 7,8. Sem II: tx 9; 8; 8,5; 7,
    #  gk 8, ck 9 -> 75,5/9 = 8,388… -> 8,4. Year: (7,8 + 16,8)/3 = 8,2."
    sem1 = rules.semester_average(["8", "7,5", "9", "6"], "7", "8,5", required_tx=4)
    sem2 = rules.semester_average([D(9), D(8), D("8.5"), D(7)], D(8), D(9), required_tx=4)
    assert sem1 == D("7.8")
    assert sem2 == D("8.4")
    assert rules.year_average(sem1, sem2) == D("8.2")


def test_domain_example_vat_li_year_uses_recorded_semester_averages():
    # "Rounding order: Vật lí, 3 tx. Sem I raw 6,35 -> 6,4; Sem II raw 6,45 -> 6,5; year from recorded values
    #  (6,4 + 13,0)/3 = 6,466… -> 6,5 (from raw values it would wrongly be 6,4)."
    # Sem I: (6 + 6 + 7,3 + 2·6 + 3·6,5) / 8 = 50,8 / 8 = 6,35
    sem1 = rules.semester_average([D(6), D(6), D("7.3")], D(6), D("6.5"), required_tx=3)
    # Sem II: (6 + 6 + 6,5 + 2·6,8 + 3·6,5) / 8 = 51,6 / 8 = 6,45
    sem2 = rules.semester_average([D(6), D(6), D("6.5")], D("6.8"), D("6.5"), required_tx=3)
    assert (sem1, sem2) == (D("6.4"), D("6.5"))
    assert rules.year_average(sem1, sem2) == D("6.5")
    # Handing the raw averages in still records them first, so the order of rounding cannot go wrong.
    assert rules.year_average(D("6.35"), D("6.45")) == D("6.5")


def test_domain_example_float_trap_8_25_rounds_to_8_3():
    # "Float trap: tx 8, 8, 8, gk 7,5, ck 9 -> 66/8 = 8,25 -> 8,3 (not 8,2)."
    assert rules.semester_average([D(8), D(8), D(8)], D("7.5"), D(9)) == D("8.3")
    assert round(8.25, 1) == 8.2  # the trap itself: Python's float rounding gives the wrong answer
    assert rules.record_score("8,25") == D("8.3")


# "Classification, scored year averages Toán 8,2, Văn 7,0, Anh 8,5, Sử 8,0, Lý 8,3, Hóa 8,1, Tin 9,0, GDQP 8,6,
#  Sinh x, all comment subjects Đạt"
def _year_scores(sinh: str, **overrides: str) -> dict:
    scores = {"Toán": "8.2", "Văn": "7.0", "Anh": "8.5", "Sử": "8.0", "Lý": "8.3", "Hóa": "8.1",
              "Tin": "9.0", "GDQP": "8.6", "Sinh": sinh, **overrides}
    return {name: D(value) for name, value in scores.items()}


COMMENTS_ALL_PASSED = {"GDTC": True, "Nghệ thuật": True, "HĐTN-HN": True, "GDĐP": True}


def test_domain_classification_sinh_7_2_is_tot():
    # "x = 7,2 -> Tốt"
    assert rules.classify(_year_scores("7.2"), COMMENTS_ALL_PASSED) is Level.TOT


def test_domain_classification_sinh_6_4_is_kha():
    # "x = 6,4 -> Khá"
    detail = rules.classification_detail(_year_scores("6.4"), COMMENTS_ALL_PASSED)
    assert (detail.level, detail.unadjusted, detail.decisive_subject) == (Level.KHA, Level.KHA, None)


def test_domain_classification_sinh_4_0_is_dat_raised_to_kha():
    # "x = 4,0 -> Đạt raised to Khá"
    detail = rules.classification_detail(_year_scores("4.0"), COMMENTS_ALL_PASSED)
    assert detail.unadjusted is Level.DAT
    assert detail.level is Level.KHA
    assert detail.decisive_subject == "Sinh"


def test_domain_classification_sinh_3_4_is_chua_dat_raised_to_dat():
    # "x = 3,4 -> Chưa đạt raised to Đạt"
    detail = rules.classification_detail(_year_scores("3.4"), COMMENTS_ALL_PASSED)
    assert (detail.unadjusted, detail.level) == (Level.CHUA_DAT, Level.DAT)


def test_domain_classification_two_weak_subjects_get_no_adjustment():
    # "x = 3,4 and Hóa 4,0 -> Chưa đạt (two subjects, no adjustment)"
    assert rules.classify(_year_scores("3.4", Hóa="4.0"), COMMENTS_ALL_PASSED) is Level.CHUA_DAT


# --------------------------------------------------------------------------------------------------
# Recording scores
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "recorded"),
    [
        (0, D("0.0")), (10, D("10.0")), ("0", D("0.0")), ("10", D("10.0")), ("10,0", D("10.0")),
        ("8,25", D("8.3")), ("8.25", D("8.3")), (D("8.25"), D("8.3")), (" 7,5 ", D("7.5")),
        ("8,24", D("8.2")), ("9,95", D("10.0")), ("0,05", D("0.1")), ("0,04", D("0.0")),
        (D("6.449999"), D("6.4")),
    ],
)
def test_record_score_parses_and_rounds_half_up(given, recorded):
    result = rules.record_score(given)
    assert result == recorded
    assert result.as_tuple().exponent == -1  # always stored with exactly one decimal


@pytest.mark.parametrize(
    "given",
    [-1, 11, "10,1", "-0,1", D("10.04"), 8.25, True, None, "", "abc", "8,2,5", "1e1", "NaN",
     D("NaN"), D("Infinity"), "8 5", [8]],
)
def test_record_score_rejects_invalid_values(given):
    with pytest.raises(InvalidScore) as excinfo:
        rules.record_score(given)
    assert isinstance(excinfo.value, ValueError)
    assert "0 đến 10" in str(excinfo.value) or "không" in str(excinfo.value)


def test_invalid_score_message_names_the_value_in_vietnamese():
    with pytest.raises(InvalidScore, match="khoảng từ 0 đến 10") as excinfo:
        rules.record_score("12")
    assert excinfo.value.value == "12"


def test_float_is_refused_with_an_explanation():
    with pytest.raises(InvalidScore, match="float"):
        rules.record_score(8.25)


# --------------------------------------------------------------------------------------------------
# Subjects, counts and averages
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "count"),
    [(1, 2), (18, 2), (35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4), (140, 4)],
)
def test_regular_assessment_count_follows_periods_per_year(periods, count):
    assert rules.regular_assessment_count(periods) == count


@pytest.mark.parametrize("periods", [0, -35, "70", 70.0, True, None])
def test_regular_assessment_count_rejects_bad_period_counts(periods):
    with pytest.raises(rules.GradebookRuleError):
        rules.regular_assessment_count(periods)


def test_is_comment_subject_reads_graded_by_not_the_name():
    assert rules.is_comment_subject("comment") is True
    assert rules.is_comment_subject("score") is False
    assert rules.is_scored_subject("score") is True
    with pytest.raises(rules.UnknownGradingMode):
        rules.is_comment_subject("Giáo dục thể chất")


@pytest.mark.parametrize(
    ("tx", "gk", "ck"),
    [([], D(7), D(8)), ([D(8), None], D(7), D(8)), ([D(8), D(9)], None, D(8)), ([D(8), D(9)], D(7), None)],
)
def test_semester_average_is_none_when_a_component_is_missing(tx, gk, ck):
    assert rules.semester_average(tx, gk, ck) is None


def test_semester_average_is_none_with_fewer_regular_scores_than_required():
    assert rules.semester_average([D(8), D(9)], D(7), D(8), required_tx=3) is None


def test_semester_average_rejects_more_regular_scores_than_required():
    with pytest.raises(rules.GradebookRuleError, match="nhiều hơn"):
        rules.semester_average([D(8), D(9), D(7)], D(7), D(8), required_tx=2)


def test_semester_average_validates_component_scores():
    with pytest.raises(InvalidScore):
        rules.semester_average([D(8), D(11)], D(7), D(8))


def test_semester_average_extremes_zero_and_ten():
    assert rules.semester_average([D(0), D(0)], D(0), D(0)) == D("0.0")
    assert rules.semester_average([D(10)] * 4, D(10), D(10)) == D("10.0")


def test_semester_average_weights_midterm_twice_and_final_three_times():
    # (10 + 10 + 2·0 + 3·0) / 7 = 2,857… -> 2,9;  (0 + 0 + 2·0 + 3·10) / 7 = 4,285… -> 4,3
    assert rules.semester_average([D(10), D(10)], D(0), D(0)) == D("2.9")
    assert rules.semester_average([D(0), D(0)], D(0), D(10)) == D("4.3")


def test_year_average_counts_semester_two_twice_and_needs_both():
    assert rules.year_average(D(9), D(6)) == D("7.0")
    assert rules.year_average(D(6), D(9)) == D("8.0")
    assert rules.year_average(None, D(9)) is None
    assert rules.year_average(D(9), None) is None


@pytest.mark.parametrize(
    ("assessments", "result"),
    [([True, True, True], True), ([True, False, True], False), ([True, None], None), ([], None)],
)
def test_comment_semester_result_needs_every_assessment_passed(assessments, result):
    assert rules.comment_semester_result(assessments) is result


def test_comment_year_result_is_the_semester_two_result():
    assert rules.comment_year_result(False, True) is True
    assert rules.comment_year_result(True, False) is False
    assert rules.comment_year_result(True, None) is None


@pytest.mark.parametrize(
    ("text", "passed"),
    [("Đ", True), ("D", True), ("đạt", True), (" Đạt ", True), ("CĐ", False), ("cd", False),
     ("Chưa  đạt", False), (True, True), (False, False), (None, None)],
)
def test_record_comment_accepts_the_usual_spellings(text, passed):
    assert rules.record_comment(text) is passed


@pytest.mark.parametrize("text", ["X", "8", "", 1])
def test_record_comment_rejects_anything_else(text):
    with pytest.raises(InvalidComment):
        rules.record_comment(text)


def test_comment_code_matches_the_gradebook_spelling():
    assert (rules.comment_code(True), rules.comment_code(False)) == ("Đ", "CĐ")


@pytest.mark.parametrize(
    ("earned", "possible", "scaled"),
    [(D("33.5"), D(40), D("8.4")), (D("8.25"), D(10), D("8.3")), (D(0), D(7), D("0.0")), (D(7), D(7), D("10.0")),
     (D("1.65"), D(2), D("8.3")), (D(5), D(6), D("8.3")), ("6,75", "9", D("7.5"))],
)
def test_scale_to_ten_records_one_decimal_half_up(earned, possible, scaled):
    assert rules.scale_to_ten(earned, possible) == scaled


@pytest.mark.parametrize(("earned", "possible"), [(D(1), D(0)), (D(-1), D(10)), (D(11), D(10)), (8.0, D(10))])
def test_scale_to_ten_rejects_impossible_results(earned, possible):
    with pytest.raises(InvalidScore):
        rules.scale_to_ten(earned, possible)


# --------------------------------------------------------------------------------------------------
# Classification beyond the worked examples
# --------------------------------------------------------------------------------------------------


def test_level_labels_are_vietnamese():
    assert [level.label for level in Level] == ["Tốt", "Khá", "Đạt", "Chưa đạt"]


def test_one_failed_comment_subject_turns_tot_into_dat_then_raised_to_kha():
    # A Tốt record except one comment subject at Chưa đạt: thresholds give Đạt, Điều 9.3 raises it to Khá.
    comments = {**COMMENTS_ALL_PASSED, "GDTC": False}
    detail = rules.classification_detail(_year_scores("7.2"), comments)
    assert (detail.unadjusted, detail.level, detail.decisive_subject) == (Level.DAT, Level.KHA, "GDTC")


def test_two_failed_comment_subjects_are_chua_dat_without_adjustment():
    comments = {**COMMENTS_ALL_PASSED, "GDTC": False, "GDĐP": False}
    assert rules.classify(_year_scores("7.2"), comments) is Level.CHUA_DAT


def test_one_level_drop_is_not_adjusted():
    # Khá record pulled to Đạt by one subject (4,9 < 5,0): only one level, no adjustment.
    scores = _year_scores("6.0", Văn="6.6", Toán="4.9")
    assert rules.classification_detail(scores, COMMENTS_ALL_PASSED).level is Level.DAT


def test_fewer_than_six_high_scores_cannot_reach_tot():
    scores = {name: D("9.0") for name in ("A", "B", "C", "D", "E")}
    assert rules.classify(scores, {}) is Level.CHUA_DAT
    scores["F"] = D("8.0")
    assert rules.classify(scores, {}) is Level.TOT


def test_threshold_boundaries_are_inclusive():
    six_eights = {name: D("8.0") for name in "ABCDEF"}
    assert rules.classify({**six_eights, "G": D("6.5")}, {}) is Level.TOT
    six_sixty_five = {name: D("6.5") for name in "ABCDEF"}
    assert rules.classify({**six_sixty_five, "G": D("5.0")}, {}) is Level.KHA
    six_fives = {name: D("5.0") for name in "ABCDEF"}
    assert rules.classify({**six_fives, "G": D("3.5")}, {}) is Level.DAT


def test_classify_refuses_missing_results_and_names_them():
    with pytest.raises(IncompleteResults, match="Sinh") as excinfo:
        rules.classify(_year_scores("7.0") | {"Sinh": None}, {"GDTC": None})
    assert excinfo.value.subjects == ["GDTC", "Sinh"]


def test_classify_refuses_a_subject_both_scored_and_commented():
    with pytest.raises(rules.GradebookRuleError, match="Toán"):
        rules.classify(_year_scores("7.0"), {"Toán": True})


# --------------------------------------------------------------------------------------------------
# Summer re-assessment
# --------------------------------------------------------------------------------------------------


def test_reassessment_lists_weak_scored_and_failed_comment_subjects():
    scores = _year_scores("3.4", Hóa="4.0")
    comments = {**COMMENTS_ALL_PASSED, "GDTC": False}
    assert rules.summer_reassessment_subjects(scores, comments, Level.DAT) == ["Hóa", "Sinh", "GDTC"]


def test_no_reassessment_when_the_year_result_is_not_chua_dat():
    # Sinh 3,4 alone is Chưa đạt raised to Đạt: the student moves up, nothing to re-take.
    assert rules.summer_reassessment_subjects(_year_scores("3.4"), COMMENTS_ALL_PASSED, Level.TOT) == []


def test_no_reassessment_when_conduct_is_chua_dat():
    scores = _year_scores("3.4", Hóa="4.0")
    assert rules.summer_reassessment_subjects(scores, COMMENTS_ALL_PASSED, Level.CHUA_DAT) == []


def test_reassessment_results_replace_the_year_results_and_reclassify():
    scores = _year_scores("3.4", Hóa="4.0")
    outcome = rules.apply_reassessment(scores, COMMENTS_ALL_PASSED, Level.KHA, {"Hóa": "6,5", "Sinh": D(5)}, {})
    assert outcome.scored["Hóa"] == D("6.5")
    assert outcome.scored["Sinh"] == D("5.0")
    assert outcome.level is Level.KHA
    # The original mappings are untouched.
    assert scores["Hóa"] == D("4.0")


def test_reassessment_result_replaces_even_when_lower():
    scores = _year_scores("3.4", Hóa="4.0")
    outcome = rules.apply_reassessment(scores, COMMENTS_ALL_PASSED, Level.DAT, {"Hóa": D(3)}, {})
    assert outcome.scored["Hóa"] == D("3.0")
    assert outcome.level is Level.CHUA_DAT


def test_reassessment_of_a_comment_subject():
    comments = {**COMMENTS_ALL_PASSED, "GDTC": False, "GDĐP": False}
    outcome = rules.apply_reassessment(_year_scores("7.2"), comments, Level.DAT, {}, {"GDTC": "Đ", "GDĐP": "Đ"})
    assert outcome.comment["GDTC"] is True
    assert outcome.level is Level.TOT


def test_reassessment_refuses_subjects_not_reassessed():
    scores = _year_scores("3.4", Hóa="4.0")
    with pytest.raises(NotEligibleForReassessment, match="Toán"):
        rules.apply_reassessment(scores, COMMENTS_ALL_PASSED, Level.DAT, {"Toán": D(9)}, {})


# --------------------------------------------------------------------------------------------------
# Primary school (Thông tư 27/2020)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "score"), [(0, 0), (10, 10), ("7", 7), (" 9 ", 9), (D("8"), 8), (D("8.0"), 8)])
def test_primary_test_scores_are_integers_from_0_to_10(given, score):
    result = rules.record_primary_test_score(given)
    assert result == score and type(result) is int


@pytest.mark.parametrize("given", ["7,5", "7.5", D("7.5"), 7.0, 11, -1, "", "mười", True, None])
def test_primary_test_scores_refuse_fractions_and_out_of_range(given):
    with pytest.raises(InvalidScore):
        rules.record_primary_test_score(given)


def test_primary_fraction_is_refused_not_rounded():
    with pytest.raises(InvalidScore, match="số nguyên"):
        rules.record_primary_test_score("8,5")


def test_primary_level_labels():
    assert [level.label for level in PrimaryLevel] == ["Hoàn thành tốt", "Hoàn thành", "Chưa hoàn thành"]
    assert PrimaryYearResult.HOAN_THANH_XUAT_SAC.label == "Hoàn thành xuất sắc"


ALL_T = {"Tiếng Việt": PrimaryLevel.T, "Toán": PrimaryLevel.T, "Đạo đức": PrimaryLevel.T}
QUALITIES_TOT = [QualityLevel.TOT] * 5


@pytest.mark.parametrize(
    ("levels", "tests", "qualities", "result"),
    [
        (ALL_T, {"Tiếng Việt": 9, "Toán": 10}, QUALITIES_TOT, PrimaryYearResult.HOAN_THANH_XUAT_SAC),
        (ALL_T, {"Tiếng Việt": 8, "Toán": 10}, QUALITIES_TOT, PrimaryYearResult.HOAN_THANH_TOT),
        (ALL_T, {"Tiếng Việt": 10, "Toán": 10}, [*QUALITIES_TOT[:4], QualityLevel.DAT], PrimaryYearResult.HOAN_THANH),
        (ALL_T, {"Tiếng Việt": 6, "Toán": 10}, QUALITIES_TOT, PrimaryYearResult.HOAN_THANH),
        ({**ALL_T, "Toán": PrimaryLevel.H}, {"Tiếng Việt": 10, "Toán": 10}, QUALITIES_TOT,
         PrimaryYearResult.HOAN_THANH),
        (ALL_T, {"Tiếng Việt": 5, "Toán": 7}, QUALITIES_TOT, PrimaryYearResult.HOAN_THANH),
        (ALL_T, {"Tiếng Việt": 4, "Toán": 10}, QUALITIES_TOT, PrimaryYearResult.CHUA_HOAN_THANH),
        ({**ALL_T, "Đạo đức": PrimaryLevel.C}, {"Tiếng Việt": 10, "Toán": 10}, QUALITIES_TOT,
         PrimaryYearResult.CHUA_HOAN_THANH),
        (ALL_T, {"Tiếng Việt": 10, "Toán": 10}, [QualityLevel.CAN_CO_GANG], PrimaryYearResult.CHUA_HOAN_THANH),
        (ALL_T, {"Tiếng Việt": 0, "Toán": 10}, QUALITIES_TOT, PrimaryYearResult.CHUA_HOAN_THANH),
    ],
)
def test_primary_year_result(levels, tests, qualities, result):
    assert rules.primary_year_result(levels, tests, qualities) is result


def test_primary_year_result_refuses_missing_or_fractional_scores():
    with pytest.raises(IncompleteResults, match="Toán"):
        rules.primary_year_result(ALL_T, {"Toán": None}, QUALITIES_TOT)
    with pytest.raises(InvalidScore):
        rules.primary_year_result(ALL_T, {"Toán": D("9.5")}, QUALITIES_TOT)
