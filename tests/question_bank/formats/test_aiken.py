import io

import pytest

from question_bank.formats import ExportRejected, get_format

SAMPLE = """Thủ đô của Việt Nam là?
A. Hà Nội
B) Huế
C. Đà Nẵng
ANSWER: A

Cho 2 < 3 & 3 > 1. Mệnh đề nào đúng?
A. 2 < 1
B. 3 > 2
ANSWER: B
"""


def parse(text):
    return get_format("aiken").parse(io.BytesIO(text.encode("utf-8")))


def test_parses_single_choice_with_escaped_html():
    result = parse(SAMPLE)
    assert result.problems == []
    first, second = result.drafts
    assert first.body == {"type": "single_choice", "stem": "Thủ đô của Việt Nam là?", "options": [
        {"id": "a", "text": "Hà Nội", "correct": True}, {"id": "b", "text": "Huế", "correct": False},
        {"id": "c", "text": "Đà Nẵng", "correct": False}]}
    assert first.location == "dòng 1"
    assert second.body["stem"] == "Cho 2 &lt; 3 &amp; 3 &gt; 1. Mệnh đề nào đúng?"
    assert second.location == "dòng 7"


def test_bad_answer_letter_is_reported_with_its_line_and_others_still_parse():
    text = SAMPLE.replace("ANSWER: A", "ANSWER: E")
    result = parse(text)
    assert len(result.drafts) == 1
    assert [(p.item, p.line) for p in result.problems] == [(1, 5)]
    assert "'E'" in result.problems[0].message


def test_missing_answer_line_is_reported():
    result = parse("Câu hỏi?\nA. Một\nB. Hai\n")
    assert result.drafts == [] and result.problems[0].line == 1 and "ANSWER" in result.problems[0].message


def test_dump_writes_plain_text_and_parses_back():
    body = {"type": "single_choice", "stem": "<p>Số <strong>nguyên tố</strong> nhỏ nhất?</p>",
            "options": [{"id": "a", "text": "1", "correct": False}, {"id": "b", "text": "2", "correct": True}]}
    data = get_format("aiken").dump([{"body": body, "meta": {}}])
    assert data.decode() == "Số nguyên tố nhỏ nhất?\nA. 1\nB. 2\nANSWER: B\n"
    assert parse(data.decode()).drafts[0].body["options"][1]["correct"] is True


def test_dump_reports_other_types():
    with pytest.raises(ExportRejected) as error:
        get_format("aiken").dump([{"body": {"type": "essay", "stem": "Viết"}, "meta": {}}])
    assert error.value.problems[0].item == 1 and "essay" in error.value.problems[0].message
