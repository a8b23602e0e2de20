"""GIFT as Moodle writes it: Moodle's own fixtures (GPL-3.0, see fixtures/moodle_gift/README.md), partial and
negative credit, numerical export forms, titles, ID numbers, categories and format markers; every feature that
cannot be kept is a warning with its line, and the question is still imported."""
from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

from question_bank import types
from question_bank.formats import get_format

FIXTURES = Path(__file__).parent / "fixtures" / "moodle_gift"


def parse(text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return get_format("gift").parse(io.BytesIO(data))


def test_moodle_fixture_questions_all_import_with_feedback_weights_and_names():
    # Before: 7 of 9 questions, 7 messages (feedback dropped, numerical and true/false with text after refused).
    result = parse((FIXTURES / "questions.gift.txt").read_bytes())
    assert result.problems == []
    assert len(result.drafts) == 9
    bodies = {d.body.get("name") + ":" + d.body["type"]: d.body for d in result.drafts}
    single = bodies["Q2:single_choice"]
    assert [(o["text"], o["correct"], o.get("feedback")) for o in single["options"]] == [
        ("yellow", True, "right; good!"), ("red", False, "wrong, it's yellow"), ("blue", False, "wrong, it's yellow")]
    weighted = bodies["colours:multiple_choice"]
    assert [(o["text"], o["weight"]) for o in weighted["options"]] == [
        ("yellow", 50), ("red", -100), ("off-beige", 50), ("blue", -100)]
    validated = types.validate(weighted)
    assert types.score(validated, ["a"]).fraction == Decimal("0.5")
    assert types.score(validated, ["a", "c"]).fraction == Decimal(1)
    assert types.score(validated, ["a", "b"]).fraction == Decimal(0)
    matching = bodies["Moodle activities:matching"]
    assert [p["left"] for p in matching["pairs"]][1:3] == [
        "A teacher asks a question and specifies a choice of multiple responses.",
        "A bank of record entries which participants can add to."]  # [moodle]/[plain] markers honoured
    assert bodies["Q5:short_answer"]["answers"] == [{"value": 3, "tolerance": 2}]
    assert bodies["Shortanswer:short_answer"]["answers"] == [{"text": "Frog", "feedback": "Good!"}]
    assert [(w.item, w.line) for w in result.warnings] == [(2, 5), (5, 31), (6, 34), (7, 41)]
    assert "Cat (50%)" in result.warnings[2].message
    for draft in result.drafts:
        types.validate(draft.body)


def test_moodle_category_fixture_keeps_the_category_for_the_import_and_keeps_feedback():
    result = parse((FIXTURES / "questions_in_category.gift.txt").read_bytes())
    assert result.problems == [] and len(result.drafts) == 4
    assert result.drafts[0].meta["topic"] == "Default for New Features"
    # No longer a warning: the import files these questions under the matching curriculum topic.
    assert not any("Default for New Features" in w.message for w in result.warnings)
    greeting = result.drafts[1].body
    assert greeting["name"] == "Greeting"
    assert [o.get("feedback") for o in greeting["options"]] == [
        "Sorry, listen again.", "Yes, well done!", "Sorry, listen again.", "Sorry, listen again."]


def test_numerical_export_forms_trailing_text_ids_and_titles():
    result = parse(
        "// [id:NUM-1] [tag:số]\n::Độ dài::Độ dài đoạn AB {#=%100%5:0.5#Đúng rồi =%50%6:1#Gần đúng} cm\n\n"
        "::Khoảng::[id:K-2] Một số từ 1 đến 2 {#1..2}\n\n"
        "Bội chung nhỏ nhất của 4 và 6 là {#12}\n")
    assert result.problems == []
    first, second, third = (d.body for d in result.drafts)
    assert first["stem"] == "Độ dài đoạn AB _____ cm" and first["idnumber"] == "NUM-1"
    assert first["answers"] == [{"value": 5, "tolerance": 0.5, "feedback": "Đúng rồi"}]
    assert result.drafts[0].meta["tags"] == ["số"]
    assert "6:1 (50%)" in result.warnings[0].message and result.warnings[0].line == 2
    assert (second["name"], second["idnumber"], second["stem"]) == ("Khoảng", "K-2", "Một số từ 1 đến 2")
    assert second["answers"] == [{"value": 1.5, "tolerance": 0.5}]
    assert third["answers"] == [{"value": 12, "tolerance": 0}]


def test_partial_credit_in_single_choice_and_bad_weight_sums_are_reported_never_silently_changed():
    result = parse("Q1 {=a ~%50%b ~c}\n\nQ2 {~%50%a ~%40%b ~%-100%c}\n")
    assert len(result.drafts) == 1 and "b (50%)" in result.warnings[0].message
    assert [o["correct"] for o in result.drafts[0].body["options"]] == [True, False, False]
    assert "90%" in result.problems[0].message and result.problems[0].item == 2


def test_export_writes_feedback_weights_names_and_ids_back():
    body = types.validate({"type": "multiple_choice", "stem": "Chọn số nguyên tố", "name": "NT", "idnumber": "NT-9",
                           "options": [{"text": "2", "correct": True, "weight": 50, "feedback": "Đúng"},
                                       {"text": "3", "correct": True, "weight": 50},
                                       {"text": "4", "correct": False, "weight": -100, "feedback": "Hợp số"}]})
    data = get_format("gift").export([{"body": body, "meta": {}}]).data.decode()
    assert "// [id:NT-9]" in data and "::NT::" in data and "~%-100%4#Hợp số" in data
    again = parse(data).drafts[0].body
    assert types.validate(again) == body
