"""Importing Word papers typed the way Vietnamese teachers type them."""
import io
import zipfile
from decimal import Decimal

import pytest

from question_bank.formats import ImportRejected
from question_bank.formats.docx import DocxFormat, parse_docx
from tests.question_bank.formats import docx_fixtures as fx


@pytest.fixture(scope="module")
def paper():
    return parse_docx(fx.teacher_paper())


def _by_location(result, prefix):
    return next(d for d in result.drafts if d.location.startswith(prefix + ","))


def _correct(body):
    return [o["text"] for o in body["options"] if o["correct"]]


def test_good_questions_import_while_broken_ones_are_reported_with_location(paper):
    assert [d.location.split(",")[0] + "," + d.location.split(",")[1] for d in paper.drafts] == [
        "Phần I, Câu 1", "Phần I, Câu 3", "Phần I, Câu 4", "Phần I, Câu 5", "Phần I, Câu 6", "Phần I, Câu 9",
        "Phần II, Câu 1", "Phần II, Câu 2", "Phần III, Câu 1", "Phần III, Câu 2"]
    assert [(p.item, p.line, p.message) for p in paper.problems] == [
        (6, 25, "Phần I, Câu 7 (đoạn 25): không xác định được đáp án đúng"),
        (7, 30, "Phần I, Câu 8 (đoạn 30): chỉ có 1 phương án (A.); cần ít nhất 2"),
    ]


def test_underlined_option_with_runs_split_over_fonts(paper):
    draft = _by_location(paper, "Phần I, Câu 1")
    assert draft.body["stem"] == "Thủ đô của <i>Việt Nam</i> là"
    assert _correct(draft.body) == ["Hà Nội."] and draft.body["type"] == "single_choice"
    assert [o["id"] for o in draft.body["options"]] == ["a", "b", "c", "d"]
    assert draft.meta == {"level": "nhan_biet", "points": Decimal("0.25"), "section": "I"}


def test_red_option_on_a_tab_separated_line(paper):
    body = _by_location(paper, "Phần I, Câu 3").body
    assert [o["text"] for o in body["options"]] == ["4", "6", "7", "9"] and _correct(body) == ["7"]


def test_bold_text_counts_when_every_letter_is_bold(paper):
    assert _correct(_by_location(paper, "Phần I, Câu 4").body) == ["Bạc."]


def test_options_in_a_table_answered_by_the_key_table(paper):
    assert _correct(_by_location(paper, "Phần I, Câu 5").body) == ["Hình vuông"]


def test_equations_become_latex_and_pictures_image_blobs(paper):
    draft = _by_location(paper, "Phần I, Câu 6")
    assert r"$\frac{1}{2}$ cộng $\sqrt{x^{2}}$" in draft.body["stem"]
    assert '<img src="cid:image1.png">' in draft.body["stem"]
    assert [(i.name, i.content_type, i.data) for i in draft.images] == [("image1.png", "image/png", fx.png_bytes())]
    assert _correct(draft.body) == ["1,5"]


def test_table_in_stem_is_kept_as_html_and_answer_line_gives_the_key(paper):
    body = _by_location(paper, "Phần I, Câu 9").body
    assert "<table><tr><td>Năm</td><td>Dân số</td></tr><tr><td>2020</td><td>97,3</td></tr></table>" in body["stem"]
    assert _correct(body) == ["97,3"]


def test_true_false_groups_from_red_marks_and_from_the_key_line(paper):
    marked = _by_location(paper, "Phần II, Câu 1").body
    keyed = _by_location(paper, "Phần II, Câu 2").body
    assert marked["type"] == keyed["type"] == "true_false_group"
    assert [(s["id"], s["correct"]) for s in marked["statements"]] == [("a", True), ("b", False), ("c", True),
                                                                      ("d", False)]
    assert marked["statements"][0]["text"] == "Hàm số chẵn."  # the red mark is not rendered
    assert [s["correct"] for s in keyed["statements"]] == [True, False, True, False]


def test_short_answers_keep_the_decimal_comma_and_explanation(paper):
    first = _by_location(paper, "Phần III, Câu 1").body
    second = _by_location(paper, "Phần III, Câu 2").body
    assert first == {"type": "short_answer", "stem": "Nghiệm của 2x + 3 = 0 là", "answers": [{"text": "-1,5"}]}
    assert second["answers"] == [{"text": "2,5"}] and second["explanation"] == "Ta có 5 : 2 = 2,5."


def test_key_line_without_heading_and_parts_inferred_from_content():
    result = parse_docx(fx.unsectioned_paper_with_key_line())
    assert result.problems == []
    assert [(d.location, _correct(d.body)) for d in result.drafts] == [
        ("Câu 1, đoạn 1", ["2"]), ("Câu 2, đoạn 3", ["4"]), ("Câu 4, đoạn 5", ["2"])]


def test_word_auto_numbering_is_read_as_text():
    result = parse_docx(fx.numbered_paper())
    assert [(d.body["stem"], _correct(d.body)) for d in result.drafts] == [
        ("Đơn vị đo cường độ dòng điện là", ["Ampe"]), ("Đơn vị đo điện trở là", ["Ôm"])]


def test_marks_disagreeing_with_the_key_are_reported():
    from docx import Document
    d = Document()
    fx.add(d.add_paragraph(), "Câu 1. Chọn số chẵn")
    fx.options_each_line(d, ["1", "2", "3", "5"], correct=1, mark="red")
    fx.add(d.add_paragraph(), "BẢNG ĐÁP ÁN")
    fx.add(d.add_paragraph(), "1.A")
    result = parse_docx(fx.save(d))
    assert result.drafts == []
    assert result.problems[0].message == ("Câu 1 (đoạn 1): đáp án theo định dạng (gạch chân/tô đỏ/in đậm) (B) "
                                          "khác bảng đáp án (A)")


def test_document_without_questions_says_how_to_number_them():
    from docx import Document
    d = Document()
    d.add_paragraph("Chỉ có một đoạn văn.")
    assert "Câu 1." in parse_docx(fx.save(d)).problems[0].message


@pytest.mark.parametrize("data, message", [
    (b"hello, not a document", "không phải tài liệu Word"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "mật khẩu"),
    (b"PK\x03\x04 truncated", "bị hỏng"),
])
def test_unusable_files_are_rejected_whole(data, message):
    with pytest.raises(ImportRejected) as error:
        DocxFormat().parse(io.BytesIO(data))
    assert message in error.value.message


def test_zip_bomb_is_rejected_before_python_docx_opens_it():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b" " * (20 * 1024 * 1024) + b"/>")
    with pytest.raises(ImportRejected) as error:
        parse_docx(buffer.getvalue())
    assert "zip bomb" in error.value.message


def test_size_cap_is_a_parameter():
    data = fx.unsectioned_paper_with_key_line()
    with pytest.raises(ImportRejected) as error:
        DocxFormat(max_bytes=len(data) - 1).parse(io.BytesIO(data))
    assert "quá lớn" in error.value.message
    assert len(DocxFormat(max_bytes=len(data)).parse(io.BytesIO(data)).drafts) == 3


def test_zip_without_word_document_is_rejected():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ImportRejected) as error:
        parse_docx(buffer.getvalue())
    assert "word/document.xml" in error.value.message
