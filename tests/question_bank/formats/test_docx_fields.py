"""The teacher's lines a Word export writes under a question (weights, feedback, rubric, rule, name…), read back
from the export and from papers teachers type; and formulas that come back exactly as they were typed."""
import io

from docx import Document

from question_bank.formats import get_format
from question_bank.formats.docx import parse_docx
from question_bank.types import correct_answer, validate

WEIGHTED = {"type": "multiple_choice", "stem": "Những chất nào là kim loại kiềm?",
            "options": [{"id": "a", "text": "Natri", "correct": True, "weight": 62.5, "feedback": "Na thuộc nhóm IA."},
                        {"id": "b", "text": "Kali", "correct": True, "weight": 37.5},
                        {"id": "c", "text": "Canxi", "correct": False, "weight": -50,
                         "feedback": "<p>Ca thuộc nhóm IIA.</p><p>Xem bảng tuần hoàn.</p>"},
                        {"id": "d", "text": "Sắt", "correct": False, "weight": 0}]}


def _export(body, with_key=True):
    result = get_format("docx").export([{"body": validate(body), "meta": {}}], with_key=with_key)
    return result, [p.text for p in Document(io.BytesIO(result.data)).paragraphs]


def _read(data):
    result = parse_docx(data)
    assert result.problems == [], result.problems
    return [validate(d.body) for d in result.drafts]


def _typed(*lines):
    document = Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _problems(*lines):
    return [p.message for p in parse_docx(_typed(*lines)).problems]


def test_weights_and_option_feedback_are_written_as_lines_and_read_back():
    result, texts = _export(WEIGHTED)
    assert result.warnings == []
    assert "Trọng số: A 62,5%, B 37,5%, C -50%, D 0%" in texts
    assert "Phản hồi A: Na thuộc nhóm IA." in texts
    assert "Phản hồi C: Ca thuộc nhóm IIA." in texts and "Xem bảng tuần hoàn." in texts
    [body] = _read(result.data)
    assert body == validate(WEIGHTED)


def test_teacher_typed_weights_with_decimal_comma_are_read():
    [body] = _read(_typed("Câu 1. Chọn các số nguyên tố.", "A. 2", "B. 3", "C. 4", "Đáp án: A, B",
                          "Trọng số: A 66,7%, B 33,3%, C -100%"))
    assert body["type"] == "multiple_choice"
    assert [o["weight"] for o in body["options"]] == [66.7, 33.3, -100]


def test_a_weights_line_that_does_not_fit_the_options_is_a_problem_not_a_guess():
    head = ("Câu 1. Chọn các số nguyên tố.", "A. 2", "B. 3", "C. 4", "Đáp án: A, B")
    assert _problems(*head, "Trọng số: A 50%, B 50%") == [
        "Câu 1 (đoạn 1): dòng 'Trọng số' phải ghi đủ các phương án A, B, C"]
    assert _problems(*head, "Trọng số: A nửa, B nửa") == [
        "Câu 1 (đoạn 1): dòng 'Trọng số' không đọc được (A nửa, B nửa); cần dạng 'A 50%, B 50%, C 0%'"]
    assert _problems(*head, "Phản hồi E: không có") == [
        "Câu 1 (đoạn 1): có 'Phản hồi E' nhưng không có phương án E"]


def test_a_multiple_choice_question_with_one_right_option_stays_multiple_choice():
    body = {"type": "multiple_choice", "stem": "Chất nào là kim loại kiềm?",
            "options": [{"id": "a", "text": "Natri", "correct": True}, {"id": "b", "text": "Sắt", "correct": False}]}
    result, texts = _export(body)
    assert "Dạng câu hỏi: nhiều đáp án đúng" in texts
    [read] = _read(result.data)
    assert read == validate(body) and correct_answer(read) == ["a"]


def test_essay_rubric_keeps_its_bullet_list():
    essay = {"type": "essay", "stem": "Phân tích nhân vật Mị.",
             "rubric": "<p>Thang điểm 4:</p><ul><li>Mở bài: 0,5 điểm</li><li>Thân bài: 3 điểm</li></ul>"}
    result, texts = _export(essay)
    assert "Hướng dẫn chấm: Thang điểm 4:" in texts and "Mở bài: 0,5 điểm" in texts
    [read] = _read(result.data)
    assert read == validate(essay)


def test_a_typed_rubric_under_an_essay_is_kept_for_teachers_not_shown_in_the_stem():
    [body] = _read(_typed("PHẦN IV. Tự luận.", "Câu 1. Phân tích nhân vật Mị.",
                          "Hướng dẫn chấm: nêu được hoàn cảnh của Mị (1 điểm).",
                          "Nêu được sức sống tiềm tàng (2 điểm)."))
    assert body["stem"] == "Phân tích nhân vật Mị."
    assert body["rubric"] == ("<p>nêu được hoàn cảnh của Mị (1 điểm).</p>"
                              "<p>Nêu được sức sống tiềm tàng (2 điểm).</p>")


def test_short_answer_without_diacritics_and_answer_feedback():
    body = {"type": "short_answer", "stem": "Nhà văn viết “Tắt đèn” là ai?", "ignore_diacritics": True,
            "answers": [{"text": "Ngô Tất Tố", "feedback": "Chính xác."}, {"text": "Ngo Tat To"}]}
    result, texts = _export(body)
    assert "Đáp án (không phân biệt dấu): Ngô Tất Tố; Ngo Tat To" in texts
    assert "Phản hồi đáp án 1: Chính xác." in texts
    [read] = _read(result.data)
    assert read == validate(body)
    [typed] = _read(_typed("PHẦN III.", "Câu 1. Thủ đô của Việt Nam?", "Đáp án (không phân biệt dấu): Hà Nội"))
    assert typed["ignore_diacritics"] is True and typed["answers"] == [{"text": "Hà Nội"}]


def test_numeric_answer_with_tolerance_and_rule_is_a_number_with_a_decimal_comma_on_paper():
    body = {"type": "short_answer", "stem": "Giải $2x + 3 = 0$, x = ?", "rule": "thpt2025",
            "answers": [{"value": -1.5, "tolerance": 0.01, "feedback": "Đúng."}, {"value": 2, "tolerance": 0}]}
    result, texts = _export(body)
    assert "Đáp án: -1,5 ± 0,01; 2 ± 0" in texts
    assert any(t.startswith("Quy tắc trả lời: thpt2025 (") for t in texts)
    [read] = _read(result.data)
    assert read == validate(body)
    assert read["answers"][0] == {"value": "-1.5", "tolerance": "0.01", "feedback": "Đúng."}
    # The key table prints the number alone and agrees with the line.
    key_cells = [c.text for t in Document(io.BytesIO(result.data)).tables for r in t.rows for c in r.cells]
    assert "-1,5 ± 0,01; 2" in key_cells


def test_name_and_idnumber_lines():
    body = {"type": "true_false", "stem": "Nước sôi ở 100 °C.", "answer": True, "name": "Nhiệt độ sôi",
            "idnumber": "VL-07"}
    result, texts = _export(body)
    assert "Tên câu hỏi: Nhiệt độ sôi" in texts and "Mã câu hỏi: VL-07" in texts
    assert _read(result.data) == [validate(body)]


def test_a_short_answer_the_answer_line_would_change_is_refused_naming_the_item():
    unsafe = {"type": "short_answer", "stem": "Viết hai thành phố", "answers": [{"text": "Hà Nội; Huế"}]}
    word = {"type": "short_answer", "stem": "Khẳng định trên đúng hay sai?", "answers": [{"text": "Đúng"}]}
    safe = {"type": "short_answer", "stem": "Thủ đô?", "answers": [{"text": "Hà Nội"}]}
    result = get_format("docx").export([{"body": validate(b), "meta": {}} for b in (unsafe, safe, word)])
    assert [p.item for p in result.skipped] == [1, 3] and "Đáp án" in result.skipped[0].message
    assert [validate(d.body) for d in parse_docx(result.data).drafts] == [validate(safe)]


def test_without_the_key_every_teacher_line_left_out_is_a_warning_with_its_fields():
    result, texts = _export(WEIGHTED, with_key=False)
    assert not any(t.startswith(("Trọng số", "Phản hồi")) for t in texts)
    [warning] = result.warnings
    assert warning.item == 1 and set(warning.fields) == {"options.feedback", "options.weight"}


def test_formulas_come_back_as_typed_unless_edited_in_word():
    body = {"type": "true_false", "stem": "<p>$x^2 - 4 = 0$ có nghiệm $x = \\pm 2$.</p>", "answer": True}
    result, _ = _export(body)
    assert _read(result.data)[0]["stem"] == "$x^2 - 4 = 0$ có nghiệm $x = \\pm 2$."
    # A teacher edits the first equation in Word (x² becomes x³): its stale LaTeX must not come back.
    edited = _replace_in_document(result.data, "<m:t>2</m:t>", "<m:t>3</m:t>", count=1)
    assert _read(edited)[0]["stem"] == "$x^{3}-4=0$ có nghiệm $x = \\pm 2$."


def _replace_in_document(data: bytes, old: str, new: str, count: int) -> bytes:
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "word/document.xml":
                text = content.decode()
                assert old in text
                content = text.replace(old, new, count).encode()
            target.writestr(info, content)
    return out.getvalue()


def test_an_item_whose_stem_would_read_back_as_another_key_is_refused_not_written():
    fooled = {"type": "short_answer", "stem": "<p>Điền tên thủ đô.</p><p>Đáp án: Huế</p>",
              "answers": [{"text": "Hà Nội"}]}
    good = {"type": "short_answer", "stem": "Cố đô của Việt Nam?", "answers": [{"text": "Huế"}]}
    result = get_format("docx").export([{"body": validate(b), "meta": {}} for b in (fooled, good)])
    assert [p.item for p in result.skipped] == [1] and "đáp án khác" in result.skipped[0].message
    assert _read(result.data) == [validate(good)]


def test_a_stem_line_read_as_a_new_question_is_found_by_checking_each_item_alone():
    split = {"type": "single_choice", "stem": "<p>Đọc lại đề:</p><p>Câu 9. Chọn số chẵn.</p>",
             "options": [{"id": "a", "text": "1", "correct": False}, {"id": "b", "text": "2", "correct": True}]}
    good = {"type": "true_false", "stem": "Nước sôi ở 100 °C.", "answer": True}
    result = get_format("docx").export([{"body": validate(b), "meta": {}} for b in (good, split)])
    assert [p.item for p in result.skipped] == [2]
    assert _read(result.data) == [validate(good)]
