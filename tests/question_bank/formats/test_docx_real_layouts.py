"""Word files in the layouts real Vietnamese exam files use (see docx_real_layouts for what each reproduces).

Before this work the importer found 0 of 6 questions in the mixing-tool file, 1 of 4 in the label variants
(E/F folded into D, 2 options refused) and 0 of 3 in the style-numbered file.
"""
from __future__ import annotations

from question_bank.formats.docx import parse_docx
from tests.question_bank.formats import docx_real_layouts as rl


def _correct_letters(draft):
    return ["ABCDEFGH"[i] for i, option in enumerate(draft.body["options"]) if option["correct"]]


def test_mixing_tool_markers_separators_groups_and_outcome_tags():
    result = parse_docx(rl.mixing_tool_paper())
    assert result.problems == []
    assert [d.location for d in result.drafts] == [
        "Câu hỏi thứ 1, đoạn 2", "Câu hỏi thứ 2, đoạn 8", "Câu hỏi thứ 3, đoạn 19", "Câu hỏi thứ 4, đoạn 25",
        "Câu hỏi thứ 5, đoạn 31", "Câu hỏi thứ 6, đoạn 39"]
    assert [_correct_letters(d) for d in result.drafts] == [["C"], ["B"], ["B"], ["C"], ["A"], ["B"]]
    assert [d.meta.get("tags") for d in result.drafts] == [["CLO1"], ["CLO2"], ["CLO1"], ["CLO3"], ["CLO3"], None]
    # The group's passage opens each of its three questions; the markers and "(<1>)" never reach a stem.
    grouped = [d for d in result.drafts if "Forest fires are most severe" in d.body["stem"]]
    assert len(grouped) == 3
    assert grouped[1].body["stem"] == (
        "<p>Questions 1 – 3 refer to the following passage.</p>"
        "<p>Forest fires are most severe when the weather is hot, dry and windy.</p>"
        "<p>Fires are most severe when it is</p>")
    assert all("[&lt;" not in d.body["stem"] and "(&lt;" not in d.body["stem"] for d in result.drafts)
    assert "Forest" not in result.drafts[5].body["stem"]  # the group ended at [</sg>]
    assert len(result.drafts[5].body["options"]) == 2


def test_label_variants_and_two_to_six_options_keep_their_key():
    result = parse_docx(rl.label_variants_paper())
    assert result.problems == []
    assert [d.location for d in result.drafts] == ["Câu 1, đoạn 2", "Câu 2, đoạn 7", "Câu 3, đoạn 13",
                                                   "Câu 4, đoạn 20"]
    first, second, third, fourth = result.drafts
    assert first.meta == {"tags": ["CLO4"]} and first.body["stem"] == "Cầu về hàng hoá thông thường giảm khi"
    assert second.body["stem"] == "Which is a renewable source of energy?"
    # E and F are options of their own (never folded into D) and the key table's E/C/A land on them.
    assert [o["text"] for o in second.body["options"]] == ["coal", "oil", "gas", "uranium", "wind"]
    assert _correct_letters(second) == ["E"]
    assert len(third.body["options"]) == 6 and _correct_letters(third) == ["C"]
    assert third.meta == {"level": "nhan_biet"} and third.body["stem"] == "Số nguyên tố nhỏ nhất là"
    assert fourth.meta == {"level": "thong_hieu"} and [o["text"] for o in fourth.body["options"]] == ["Đúng", "Sai"]


def test_key_naming_a_missing_option_is_an_error_not_a_changed_key():
    from docx import Document

    from tests.question_bank.formats.docx_fixtures import add, save

    d = Document()
    add(d.add_paragraph(), "Câu 1. Chọn số lớn nhất")
    for letter, text in zip("ABC", ("1", "2", "3")):
        add(d.add_paragraph(), f"{letter}. {text}")
    add(d.add_paragraph(), "Đáp án: E")
    result = parse_docx(save(d))
    assert result.drafts == []
    assert [p.message for p in result.problems] == [
        "Câu 1 (đoạn 1): đáp án E không có trong các phương án (A, B, C)"]


def test_numbering_from_paragraph_styles_levels_and_restarts():
    result = parse_docx(rl.style_numbered_paper())
    assert result.problems == []
    assert [d.location for d in result.drafts] == ["Phần I, Câu 1, đoạn 2", "Phần I, Câu 2, đoạn 7",
                                                   "Phần II, Câu 1, đoạn 13"]
    assert [_correct_letters(d) for d in result.drafts] == [["B"], ["C"], ["A"]]
    assert [o["text"] for o in result.drafts[2].body["options"]] == ["Fansipan", "Bà Đen", "Ngọc Linh",
                                                                     "Tây Côn Lĩnh"]


def test_mathtype_object_without_its_data_keeps_its_preview_as_png_and_says_so():
    result = parse_docx(rl.mathtype_paper())
    assert result.problems == []
    formula, picture = result.drafts
    assert [(i.name, i.data[:4]) for i in formula.images] == [("image1.png", b"\x89PNG")]
    assert formula.warnings == ["Câu 1 (đoạn 1): một công thức MathType không chuyển được sang LaTeX (thiếu dữ "
                                "liệu công thức trong tệp); đã giữ ảnh image1.png của công thức, hãy kiểm tra lại."]
    assert _correct_letters(formula) == ["B"] and _correct_letters(picture) == ["A"]


def test_passage_written_for_a_range_of_questions_opens_each_of_them():
    from docx import Document

    from tests.question_bank.formats.docx_fixtures import add, options_each_line, save

    d = Document()
    add(d.add_paragraph(), "Câu 1. Câu hỏi mở đầu")
    options_each_line(d, ["1", "2", "3", "4"], correct=0)
    add(d.add_paragraph(), "Đọc đoạn văn sau và trả lời các câu hỏi từ câu 2 đến câu 3.")
    add(d.add_paragraph(), "Hà Nội là thủ đô của Việt Nam, có hơn nghìn năm lịch sử.")
    add(d.add_paragraph(), "Câu 2. Thủ đô của Việt Nam là")
    options_each_line(d, ["Huế", "Hà Nội", "Đà Nẵng", "Vinh"], correct=1)
    add(d.add_paragraph(), "Câu 3. Hà Nội có bao nhiêu năm lịch sử?")
    options_each_line(d, ["Hơn một nghìn năm", "Trăm năm", "Mười năm", "Một năm"], correct=0)
    add(d.add_paragraph(), "Câu 4. Câu hỏi sau đoạn văn, như câu 2 và 3 nhưng không dùng đoạn văn")
    options_each_line(d, ["a", "b", "c", "d"], correct=3)
    result = parse_docx(save(d))
    assert result.problems == []
    stems = [draft.body["stem"] for draft in result.drafts]
    passage = ("<p>Đọc đoạn văn sau và trả lời các câu hỏi từ câu 2 đến câu 3.</p>"
               "<p>Hà Nội là thủ đô của Việt Nam, có hơn nghìn năm lịch sử.</p>")
    assert stems[0] == "Câu hỏi mở đầu" and "Đọc đoạn" not in result.drafts[0].body["options"][3]["text"]
    assert stems[1] == passage + "<p>Thủ đô của Việt Nam là</p>"
    assert stems[2] == passage + "<p>Hà Nội có bao nhiêu năm lịch sử?</p>"
    assert stems[3] == "Câu hỏi sau đoạn văn, như câu 2 và 3 nhưng không dùng đoạn văn"
    assert [_correct_letters(draft) for draft in result.drafts] == [["A"], ["B"], ["A"], ["D"]]
