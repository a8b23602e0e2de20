"""Question types: validation, the student view, answer checking, scoring and keys."""

import json
from decimal import Decimal

import pytest

from question_bank import types
from question_bank.errors import AnswerFormatError, QuestionValidationError, UnknownQuestionType
from question_bank.types import Outcome

SECRET_KEYS = {"correct", "answer", "answers", "explanation", "rubric", "pairs", "right_id"}

RAW_BODIES = {
    "single_choice": {
        "type": "single_choice", "stem": "Thủ đô của Việt Nam?",
        "options": [{"text": "Huế"}, {"text": "Hà Nội", "correct": True}, {"text": "Đà Nẵng"}, {"text": "Cần Thơ"}],
        "explanation": "Giải thích bí mật",
    },
    "multiple_choice": {
        "type": "multiple_choice", "stem": "Số nguyên tố?",
        "options": [{"text": "2", "correct": True}, {"text": "4"}, {"text": "5", "correct": True}, {"text": "9"}],
    },
    "true_false": {"type": "true_false", "stem": "$2+2=4$", "answer": True, "explanation": "Giải thích bí mật"},
    "true_false_group": {
        "type": "true_false_group", "stem": "Cho hàm số $y=x^2$.",
        "statements": [{"text": "Đồng biến trên $(0;+\\infty)$", "correct": True}, {"text": "Có cực đại", "correct": False},
                       {"text": "Đi qua gốc tọa độ", "correct": True}, {"text": "Là hàm lẻ", "correct": False}],
    },
    "short_answer": {"type": "short_answer", "stem": "Nghiệm của $2x+3=0$?", "rule": "thpt2025",
                     "answers": [{"value": "-1,5", "tolerance": 0}]},
    "matching": {
        "type": "matching", "stem": "Ghép nước với thủ đô",
        "pairs": [{"left": "Việt Nam", "right": "Hà Nội"}, {"left": "Lào", "right": "Viêng Chăn"},
                  {"left": "Thái Lan", "right": "Băng Cốc"}],
    },
    "ordering": {"type": "ordering", "stem": "Sắp xếp theo thời gian",
                 "items": [{"text": "Ngô Quyền"}, {"text": "Lý Thái Tổ"}, {"text": "Trần Hưng Đạo"}, {"text": "Quang Trung"}]},
    "cloze": {"type": "cloze", "stem": "Điền vào chỗ trống",
              "text": "Thủ đô là {{1}}, diện tích khoảng {{2}} nghìn km²",
              "gaps": [{"answers": ["Hà Nội", "Thành phố Hà Nội"]}, {"answers": ["3,3"]}]},
    "essay": {"type": "essay", "stem": "Nghị luận về tình yêu quê hương", "rubric": "Mở bài 1 điểm bí mật"},
}


def body(name):
    return types.validate(json.loads(json.dumps(RAW_BODIES[name])))


def keys_in(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from keys_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from keys_in(inner)


# -- registry and validation ------------------------------------------------------------------------

def test_every_type_is_registered():
    assert types.type_names() == ["single_choice", "multiple_choice", "true_false", "true_false_group",
                                  "short_answer", "matching", "ordering", "cloze", "essay"]


def test_unknown_type_raises_a_field_error_on_type():
    with pytest.raises(UnknownQuestionType) as info:
        types.validate({"type": "hotspot", "stem": "x"})
    assert "type" in info.value.errors
    with pytest.raises(UnknownQuestionType):
        types.get_type("hotspot")


def test_choice_options_get_letter_ids_and_sanitised_text():
    raw = {"type": "single_choice", "stem": "<p onclick='x()'>Chọn</p><script>alert(1)</script>",
           "options": [{"text": "<b>A</b><img src=x onerror=alert(1)>", "correct": True}, {"text": "B"}]}
    validated = types.validate(raw)
    assert [o["id"] for o in validated["options"]] == ["a", "b"]
    assert validated["stem"] == "<p>Chọn</p>"
    assert validated["options"][0]["text"] == "<b>A</b><img>"


def test_validation_reports_field_paths():
    raw = {"type": "single_choice", "stem": "Câu?",
           "options": [{"text": "A", "correct": True}, {"text": "B"}, {"text": "  "}, {"text": "D", "correct": "yes"}]}
    with pytest.raises(QuestionValidationError) as info:
        types.validate(raw)
    assert set(info.value.errors) == {"options.2.text", "options.3.correct"}


@pytest.mark.parametrize("flags, valid", [((True, False), True), ((True, True), False), ((False, False), False)])
def test_single_choice_needs_exactly_one_correct(flags, valid):
    raw = {"type": "single_choice", "stem": "Câu?", "options": [{"text": "A", "correct": flags[0]},
                                                                 {"text": "B", "correct": flags[1]}]}
    if valid:
        types.validate(raw)
    else:
        with pytest.raises(QuestionValidationError) as info:
            types.validate(raw)
        assert "options" in info.value.errors


def test_multiple_choice_needs_at_least_one_correct():
    raw = {"type": "multiple_choice", "stem": "Câu?", "options": [{"text": "A"}, {"text": "B"}]}
    with pytest.raises(QuestionValidationError):
        types.validate(raw)


def test_duplicate_option_ids_are_rejected():
    raw = {"type": "multiple_choice", "stem": "Câu?",
           "options": [{"id": "x", "text": "A", "correct": True}, {"id": "x", "text": "B"}]}
    with pytest.raises(QuestionValidationError) as info:
        types.validate(raw)
    assert "options.1.id" in info.value.errors


@pytest.mark.parametrize("count, valid", [(1, False), (2, True), (4, True), (8, True), (9, False), (30, False)])
def test_true_false_group_allows_two_to_eight_statements(count, valid):
    raw = {"type": "true_false_group", "stem": "Cho", "statements": [
        {"text": f"Ý {n}", "correct": n % 2 == 0} for n in range(count)]}
    if valid:
        assert [s["id"] for s in types.validate(raw)["statements"]][:2] == ["a", "b"]
    else:
        with pytest.raises(QuestionValidationError):
            types.validate(raw)


@pytest.mark.parametrize("answer, valid", [
    ({"value": "-1,5"}, True), ({"text": "2025"}, True), ({"value": "12,5"}, True),
    ({"value": "-12,5"}, False), ({"text": "abc"}, False), ({"value": 0.125}, False),
])
def test_short_answer_thpt2025_rule_limits_keys_to_four_sheet_characters(answer, valid):
    raw = {"type": "short_answer", "stem": "?", "rule": "thpt2025", "answers": [answer]}
    if valid:
        types.validate(raw)
    else:
        with pytest.raises(QuestionValidationError) as info:
            types.validate(raw)
        assert any(field.startswith("answers.0") for field in info.value.errors)


def test_short_answer_values_are_stored_as_canonical_decimal_strings():
    validated = types.validate({"type": "short_answer", "stem": "?",
                                "answers": [{"value": "-1,50", "tolerance": 0.01}, {"text": "  Hà   Nội "}]})
    assert validated["answers"] == [{"value": "-1.5", "tolerance": "0.01"}, {"text": "Hà Nội"}]
    json.dumps(validated)


def test_short_answer_rejects_bad_entries():
    with pytest.raises(QuestionValidationError) as info:
        types.validate({"type": "short_answer", "stem": "?", "rule": "xyz",
                        "answers": [{"value": "abc"}, {"text": "a", "value": 1}, {"value": 1, "tolerance": -1}]})
    assert {"rule", "answers.0.value", "answers.1", "answers.2.tolerance"} <= set(info.value.errors)


def test_cloze_gaps_must_match_markers():
    with pytest.raises(QuestionValidationError) as info:
        types.validate({"type": "cloze", "text": "A {{1}} B {{2}}", "gaps": [{"id": "1", "answers": ["x"]},
                                                                            {"id": "3", "answers": ["y"]}]})
    assert "gaps.1.id" in info.value.errors and "gaps" in info.value.errors


def test_generated_ids_are_stable_and_do_not_spell_the_order():
    first, second = body("ordering"), body("ordering")
    assert first == second
    ids = [item["id"] for item in first["items"]]
    assert ids != sorted(ids)


def test_validated_bodies_are_plain_json_and_revalidate_to_themselves():
    for name in RAW_BODIES:
        validated = body(name)
        assert types.validate(json.loads(json.dumps(validated))) == validated


# -- student view -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(RAW_BODIES))
def test_student_view_carries_no_secret(name):
    validated = body(name)
    view = types.student_view(validated)
    assert not SECRET_KEYS & set(keys_in(view))
    dumped = json.dumps(view, ensure_ascii=False)
    assert "bí mật" not in dumped
    assert view["type"] == name


def test_student_view_hides_short_answer_and_cloze_keys():
    assert "-1" not in json.dumps(types.student_view(body("short_answer")))
    cloze_view = json.dumps(types.student_view(body("cloze")), ensure_ascii=False)
    assert "Hà Nội" not in cloze_view and "3,3" not in cloze_view


def test_student_view_splits_matching_pairs_apart():
    validated = body("matching")
    view = types.student_view(validated)
    assert [left["text"] for left in view["lefts"]] == ["Việt Nam", "Lào", "Thái Lan"]
    assert sorted(right["text"] for right in view["rights"]) == ["Băng Cốc", "Hà Nội", "Viêng Chăn"]
    assert not {left["id"] for left in view["lefts"]} & {right["id"] for right in view["rights"]}


def test_student_view_is_built_from_allowed_fields_only():
    validated = body("single_choice")
    validated["options"][0]["hint"] = "leak"
    validated["answer_explained"] = "leak"
    assert "leak" not in json.dumps(types.student_view(validated))


def test_ordering_student_view_uses_a_neutral_order():
    validated = body("ordering")
    shown = [item["id"] for item in types.student_view(validated)["items"]]
    assert sorted(shown) == sorted(types.correct_answer(validated))
    assert shown != types.correct_answer(validated)


# -- scoring ----------------------------------------------------------------------------------------

def outcome(fraction, correct, total, manual=False):
    return Outcome(Decimal(fraction), correct, total, manual)


@pytest.mark.parametrize("name, answer, expected", [
    ("single_choice", "b", outcome(1, 1, 1)),
    ("single_choice", "a", outcome(0, 0, 1)),
    ("single_choice", None, outcome(0, 0, 1)),
    ("multiple_choice", ["a", "c"], outcome(1, 2, 2)),
    ("multiple_choice", ["a"], outcome("0.5", 1, 2)),
    ("multiple_choice", ["a", "b", "c"], outcome("0.5", 1, 2)),
    ("multiple_choice", ["a", "b", "c", "d"], outcome(0, 0, 2)),
    ("multiple_choice", ["b"], outcome(0, 0, 2)),
    ("multiple_choice", [], outcome(0, 0, 2)),
    ("true_false", True, outcome(1, 1, 1)),
    ("true_false", False, outcome(0, 0, 1)),
    ("true_false_group", {"a": True, "b": False, "c": True, "d": False}, outcome(1, 4, 4)),
    ("true_false_group", {"a": True, "b": True, "c": True}, outcome("0.5", 2, 4)),
    ("true_false_group", {"a": False, "b": True, "c": False, "d": True}, outcome(0, 0, 4)),
    ("true_false_group", None, outcome(0, 0, 4)),
    ("short_answer", "-1,5", outcome(1, 1, 1)),
    ("short_answer", " -1,5 ", outcome(1, 1, 1)),
    ("short_answer", "1,5", outcome(0, 0, 1)),
    ("short_answer", "", outcome(0, 0, 1)),
    ("ordering", None, outcome(0, 0, 4)),
    ("essay", "Bài làm", outcome(0, 0, 1, True)),
    ("essay", "   ", outcome(0, 0, 1)),
    ("cloze", {"1": "  hà  NỘI ", "2": "3.3"}, outcome(1, 2, 2)),
    ("cloze", {"1": "Thành phố Hà Nội", "2": "33"}, outcome("0.5", 1, 2)),
    ("cloze", {"1": "Ha Noi"}, outcome(0, 0, 2)),
])
def test_score(name, answer, expected):
    assert types.score(body(name), answer) == expected


def test_matching_scores_each_pair():
    validated = body("matching")
    key = types.correct_answer(validated)
    lefts = list(key)
    swapped = {lefts[0]: key[lefts[1]], lefts[1]: key[lefts[0]], lefts[2]: key[lefts[2]]}
    assert types.score(validated, swapped) == outcome(Decimal(1) / 3, 1, 3)
    assert types.score(validated, {lefts[2]: key[lefts[2]]}) == outcome(Decimal(1) / 3, 1, 3)
    assert types.score(validated, {}) == outcome(0, 0, 3)


def test_ordering_scores_items_in_place():
    validated = body("ordering")
    key = types.correct_answer(validated)
    assert types.score(validated, [key[1], key[0], key[2], key[3]]) == outcome("0.5", 2, 4)
    assert types.score(validated, list(reversed(key))) == outcome(0, 0, 4)


@pytest.mark.parametrize("name", [name for name in RAW_BODIES if name != "essay"])
def test_correct_answer_earns_full_marks(name):
    validated = body(name)
    assert types.score(validated, types.correct_answer(validated)).fraction == 1


def test_essay_has_no_automatic_key():
    assert types.correct_answer(body("essay")) is None


@pytest.mark.parametrize("name, answer", [
    ("single_choice", "z"), ("single_choice", ["b"]), ("single_choice", 1),
    ("multiple_choice", "a"), ("multiple_choice", ["a", "a"]), ("multiple_choice", ["z"]),
    ("true_false", "true"), ("true_false", 1),
    ("true_false_group", ["a"]), ("true_false_group", {"z": True}), ("true_false_group", {"a": "Đ"}),
    ("short_answer", ["-1,5"]), ("short_answer", "-1,55"), ("short_answer", "1e5"), ("short_answer", True),
    ("matching", ["x"]), ("matching", {"nope": "x"}),
    ("ordering", "abc"), ("ordering", ["x"]),
    ("cloze", ["Hà Nội"]), ("cloze", {"9": "x"}), ("cloze", {"1": 3}),
    ("essay", {"text": "x"}),
])
def test_malformed_answers_raise(name, answer):
    with pytest.raises(AnswerFormatError):
        types.score(body(name), answer)


def test_ordering_answer_must_name_every_item_once():
    validated = body("ordering")
    key = types.correct_answer(validated)
    with pytest.raises(AnswerFormatError):
        types.check_answer(validated, key[:3])
    with pytest.raises(AnswerFormatError):
        types.check_answer(validated, [key[0], key[0], key[1], key[2]])


def test_matching_rejects_unknown_right_ids():
    validated = body("matching")
    left = next(iter(types.correct_answer(validated)))
    with pytest.raises(AnswerFormatError):
        types.check_answer(validated, {left: "r0000"})
    with pytest.raises(AnswerFormatError):
        types.check_answer(validated, {left: ["r0000"]})


@pytest.mark.parametrize("typed, expected", [
    ("-1,5", True), ("-1.5", True), ("−1,5", True), (" -1 , 5 ", True), ("-1,4", False),
    ("-1,55", True), ("-1,56", False), ("abc", False), ("-1,5,0", False),
])
def test_short_answer_numbers_with_tolerance_and_decimal_comma(typed, expected):
    validated = types.validate({"type": "short_answer", "stem": "?",
                                "answers": [{"value": -1.5, "tolerance": "0,05"}]})
    assert (types.score(validated, typed).fraction == 1) is expected


def test_short_answer_text_normalisation_and_diacritic_flag():
    strict = types.validate({"type": "short_answer", "stem": "?", "answers": [{"text": "Hà Nội"}]})
    loose = types.validate({"type": "short_answer", "stem": "?", "answers": [{"text": "Hà Nội"}],
                            "ignore_diacritics": True})
    decomposed = "ha\u0300  NO\u0323\u0302I"
    assert types.score(strict, decomposed).fraction == 1
    assert types.score(strict, "Ha Noi").fraction == 0
    assert types.score(loose, "ha noi").fraction == 1
    assert types.score(loose, "Hai Noi").fraction == 0


def test_short_answer_grouped_thousands():
    validated = types.validate({"type": "short_answer", "stem": "?", "answers": [{"value": 1234.5}]})
    assert types.score(validated, "1.234,5").fraction == 1
    assert types.score(validated, "1234.5").fraction == 1


@pytest.mark.parametrize("name, expected", [
    ("single_choice", "B"), ("multiple_choice", "AC"), ("true_false", "Đ"),
    ("true_false_group", "a) Đ b) S c) Đ d) S"), ("short_answer", "-1,5"), ("essay", None),
    ("cloze", "(1) Hà Nội; (2) 3,3"),
])
def test_answer_key_in_body_order(name, expected):
    assert types.answer_key(body(name)) == expected


def test_answer_key_follows_printed_order():
    assert types.answer_key(body("single_choice"), ["d", "c", "b", "a"]) == "C"
    assert types.answer_key(body("true_false_group"), ["b", "a", "d", "c"]) == "a) S b) Đ c) S d) Đ"


def test_outcome_rejects_out_of_range_fraction():
    with pytest.raises(ValueError):
        Outcome(Decimal("1.1"), 1, 1)
    with pytest.raises(ValueError):
        Outcome(0.5, 1, 1)


def test_thpt2025_short_answer_accepts_a_typed_dot_as_the_sheet_comma():
    validated = body("short_answer")
    assert types.check_answer(validated, " -1.5") == "-1,5"
    assert types.check_answer(validated, "   ") is None
    assert types.student_view(validated) == {"type": "short_answer", "stem": validated["stem"], "rule": "thpt2025"}


# -- Moodle-style richer data: feedback, weights, name, idnumber ------------------------------------------------

def _weighted(*weights, correct=None):
    correct = correct or [w > 0 for w in weights]
    return {"type": "multiple_choice", "stem": "Chọn", "name": "  Số   nguyên tố ", "idnumber": "NT-1",
            "options": [{"text": f"p{i}", "correct": c, "weight": w, "feedback": f"<p>nhận xét {i}</p>"}
                        for i, (w, c) in enumerate(zip(weights, correct))]}


def test_weights_feedback_name_and_idnumber_are_kept_on_the_teacher_side_only():
    body = types.validate(_weighted(50, 50, -100, 0))
    assert body["name"] == "Số nguyên tố" and body["idnumber"] == "NT-1"
    assert [o["weight"] for o in body["options"]] == [50, 50, -100, 0]
    assert body["options"][2]["feedback"] == "<p>nhận xét 2</p>"
    view = types.student_view(body)
    assert set(view) == {"type", "stem", "options"}
    assert all(set(o) == {"id", "text"} for o in view["options"])
    assert types.answer_feedback(body, ["a", "c"]) == ["<p>nhận xét 0</p>", "<p>nhận xét 2</p>"]


@pytest.mark.parametrize("answer, fraction", [
    (["a"], Decimal("0.5")), (["a", "b"], Decimal(1)), (["a", "c"], Decimal(0)), (["a", "b", "c"], Decimal(0)),
    (["d"], Decimal(0)), (["a", "b", "d"], Decimal(1)),
])
def test_weights_score_like_moodle_partial_credit(answer, fraction):
    body = types.validate(_weighted(50, 50, -100, 0))
    assert types.score(body, answer).fraction == fraction


def test_thirds_written_as_moodle_does_sum_to_full_marks():
    body = types.validate(_weighted(33.33333, 33.33333, 33.33333, -50))
    assert types.score(body, ["a", "b", "c"]).fraction == Decimal(1)
    assert types.score(body, ["a"]).fraction == Decimal("0.3333333")


@pytest.mark.parametrize("weights, correct, field", [
    ((50, 40, -100), None, "options"),                        # positive weights must make 100 %
    ((50, 50, 10), [True, True, False], "options.2.weight"),  # a wrong option cannot earn
    ((150, -50), None, "options.0.weight"),                   # a percentage
    (("nhiều", 100), [False, True], "options.0.weight"),
])
def test_inconsistent_weights_are_refused(weights, correct, field):
    with pytest.raises(QuestionValidationError) as error:
        types.validate(_weighted(*weights, correct=correct))
    assert field in error.value.errors


def test_single_choice_has_no_weights_but_may_have_feedback_and_short_answers_feedback_too():
    with pytest.raises(QuestionValidationError) as error:
        types.validate({"type": "single_choice", "stem": "s", "options": [
            {"text": "a", "correct": True, "weight": 100}, {"text": "b", "correct": False}]})
    assert "options.0.weight" in error.value.errors
    body = types.validate({"type": "short_answer", "stem": "s", "answers": [
        {"value": 2, "tolerance": "0.1", "feedback": "<p>gần đúng</p>"}, {"text": "hai", "feedback": "<p>chữ</p>"}]})
    assert types.answer_feedback(body, "2,05") == ["<p>gần đúng</p>"]
    assert types.answer_feedback(body, "Hai") == ["<p>chữ</p>"] and types.answer_feedback(body, "3") == []
    assert "feedback" not in str(types.student_view(body))
    with pytest.raises(QuestionValidationError) as error:
        types.validate({"type": "essay", "stem": "s", "idnumber": "x" * 101})
    assert "idnumber" in error.value.errors
