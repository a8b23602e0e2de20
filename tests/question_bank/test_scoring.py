"""Section scoring policies (proportional, all_or_nothing, thpt2025) and the exam presets."""

from decimal import Decimal

import pytest

from question_bank import types
from question_bank.errors import ScoringPolicyError
from question_bank.scoring import BLUEPRINT_PRESETS, EXAM_PRESETS, THPT2025_TRUE_FALSE_GROUP_TABLE, \
    default_points, points_for, policy_names, preset_total
from question_bank.types import Outcome

D = Decimal


def test_policies_are_registered():
    assert set(policy_names()) == {"proportional", "all_or_nothing", "thpt2025"}


def test_unknown_policy_raises():
    with pytest.raises(ScoringPolicyError):
        points_for("bonus", "single_choice", Outcome(D(1), 1, 1), D("1"))


@pytest.mark.parametrize("fraction, points, expected", [
    ("1", "2", "2.00"), ("0.5", "0.25", "0.13"), (D(1) / 3, "1", "0.33"), (D(2) / 3, "1", "0.67"), ("0", "3", "0.00"),
])
def test_proportional_rounds_half_up_to_hundredths(fraction, points, expected):
    assert points_for("proportional", "multiple_choice", Outcome(D(fraction), 0, 3), D(points)) == D(expected)


def test_all_or_nothing():
    assert points_for("all_or_nothing", "matching", Outcome(D("0.99"), 2, 3), D("1")) == D("0")
    assert points_for("all_or_nothing", "matching", Outcome(D(1), 3, 3), D("1.5")) == D("1.50")


def test_manual_outcome_earns_nothing_until_graded():
    assert points_for("proportional", "essay", Outcome(D(0), 0, 1, True), D("3")) == D("0.00")


@pytest.mark.parametrize("right, expected", [(0, "0"), (1, "0.1"), (2, "0.25"), (3, "0.5"), (4, "1")])
def test_thpt2025_true_false_group_table(right, expected):
    outcome = Outcome.of_parts(right, 4)
    assert points_for("thpt2025", "true_false_group", outcome, D("1")) == D(expected)


def test_thpt2025_table_scales_with_section_points():
    assert points_for("thpt2025", "true_false_group", Outcome.of_parts(1, 4), D("2")) == D("0.20")
    assert points_for("thpt2025", "true_false_group", Outcome.of_parts(2, 4), D("0.5")) == D("0.13")


def test_thpt2025_table_is_the_legal_one():
    assert THPT2025_TRUE_FALSE_GROUP_TABLE == {0: D(0), 1: D("0.1"), 2: D("0.25"), 3: D("0.5"), 4: D(1)}


def test_thpt2025_needs_four_statements_and_known_forms():
    with pytest.raises(ScoringPolicyError):
        points_for("thpt2025", "true_false_group", Outcome.of_parts(3, 3), D("1"))
    with pytest.raises(ScoringPolicyError):
        points_for("thpt2025", "matching", Outcome.of_parts(3, 3), D("1"))


def test_thpt2025_defaults_follow_subject():
    assert default_points("thpt2025", "short_answer", "toan") == D("0.5")
    assert default_points("thpt2025", "short_answer", "vat-li") == D("0.25")
    assert points_for("thpt2025", "short_answer", Outcome(D(1), 1, 1), None, "toan") == D("0.50")
    with pytest.raises(ScoringPolicyError):
        points_for("proportional", "short_answer", Outcome(D(1), 1, 1), None)


def test_points_must_be_decimal():
    with pytest.raises(ScoringPolicyError):
        points_for("proportional", "single_choice", Outcome(D(1), 1, 1), 0.25)


def _choice(correct_index):
    return types.validate({"type": "single_choice", "stem": "?", "options": [
        {"text": letter, "correct": n == correct_index} for n, letter in enumerate("ABCD")]})


def _group():
    return types.validate({"type": "true_false_group", "stem": "?", "statements": [
        {"text": f"Ý {n}", "correct": n % 2 == 0} for n in range(4)]})


def test_full_math_paper_under_thpt2025():
    """12 MC with 9 right = 2.25; TF groups 4/3/2/1 right = 1+0.5+0.25+0.1; 6 short answers, 4 right = 2.0."""
    preset = EXAM_PRESETS["thpt2025-toan"]
    by_type = {section["type"]: section for section in preset["sections"]}
    total = D(0)

    mc = _choice(0)
    for n in range(12):
        outcome = types.score(mc, "a" if n < 9 else "b")
        total += points_for("thpt2025", "single_choice", outcome, by_type["single_choice"]["points_per_question"])
    assert total == D("2.25")

    group = _group()
    key = types.correct_answer(group)
    for right in (4, 3, 2, 1):
        answer = {sid: (value if i < right else not value) for i, (sid, value) in enumerate(key.items())}
        outcome = types.score(group, answer)
        total += points_for("thpt2025", "true_false_group", outcome,
                            by_type["true_false_group"]["points_per_question"])
    assert total == D("2.25") + D("1.85")

    short = types.validate({"type": "short_answer", "stem": "?", "rule": "thpt2025", "answers": [{"value": "-1,5"}]})
    for typed in ["-1,5", "-1.5", "-1,5", "−1,5", "1,5", None]:
        outcome = types.score(short, typed)
        total += points_for("thpt2025", "short_answer", outcome, None, "toan")
    assert total == D("6.10")


@pytest.mark.parametrize("key", list(EXAM_PRESETS))
def test_every_exam_preset_totals_ten(key):
    preset = EXAM_PRESETS[key]
    assert preset_total(preset) == D(10)
    assert all(isinstance(s["points_per_question"], Decimal) for s in preset["sections"])
    assert preset["subject_codes"] and preset["duration_minutes"] in (50, 90)


def test_exam_presets_match_decision_764():
    shape = {key: [(s["type"], s["count"], s["points_per_question"]) for s in p["sections"]]
             for key, p in EXAM_PRESETS.items()}
    assert shape["thpt2025-toan"] == [("single_choice", 12, D("0.25")), ("true_false_group", 4, D(1)),
                                      ("short_answer", 6, D("0.5"))]
    assert shape["thpt2025-khoa-hoc-tu-nhien-dia-li"] == [("single_choice", 18, D("0.25")),
                                                          ("true_false_group", 4, D(1)),
                                                          ("short_answer", 6, D("0.25"))]
    assert shape["thpt2025-su-gdktpl-cong-nghe"] == [("single_choice", 24, D("0.25")), ("true_false_group", 4, D(1))]
    assert shape["thpt2025-ngoai-ngu"] == [("single_choice", 40, D("0.25"))]
    assert EXAM_PRESETS["thpt2025-toan"]["duration_minutes"] == 90


@pytest.mark.parametrize("key", list(BLUEPRINT_PRESETS))
def test_blueprint_presets_split_ten_points_and_all_levels(key):
    preset = BLUEPRINT_PRESETS[key]
    assert sum(preset["form_points"].values()) == D(10)
    assert sum(preset["level_percent"].values()) == D(100)
    assert set(preset["form_points"]) <= set(types.type_names())


def test_blueprint_presets_follow_cong_van_7991():
    assert list(BLUEPRINT_PRESETS["cv7991-3-muc-do"]["level_percent"].values()) == [D(40), D(30), D(30)]
    assert list(BLUEPRINT_PRESETS["cv7991-4-muc-do"]["level_percent"].values()) == [D(40), D(30), D(20), D(10)]
    assert list(BLUEPRINT_PRESETS["cv7991-3-muc-do"]["form_points"].values()) == [D(3), D(2), D(2), D(3)]
