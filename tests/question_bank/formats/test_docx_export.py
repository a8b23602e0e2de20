"""Writing questions as a Word paper, reading them back, and printing exam versions (mã đề)."""
import io
from decimal import Decimal

import pytest
from docx import Document

from question_bank.formats import ExportRejected, ImageBlob, get_format
from question_bank.formats.docx import build_paper, parse_docx
from tests.office import docx_as_printed_text, needs_office
from tests.question_bank.formats.docx_fixtures import png_bytes

SINGLE = {"type": "single_choice", "stem": "Cho <b>x</b> = 2. Giá trị của $x^2$ là",
          "options": [{"id": "a", "text": "2", "correct": False}, {"id": "b", "text": "4", "correct": True},
                      {"id": "c", "text": "H<sub>2</sub>O", "correct": False},
                      {"id": "d", "text": "8", "correct": False}],
          "explanation": "Vì $2^2 = 4$."}
MULTIPLE = {"type": "multiple_choice", "stem": "Những số nào là số nguyên tố?",
            "options": [{"id": "a", "text": "2", "correct": True}, {"id": "b", "text": "4", "correct": False},
                        {"id": "c", "text": "7", "correct": True}, {"id": "d", "text": "9", "correct": False}]}
GROUP = {"type": "true_false_group", "stem": "<p>Cho hàm số $y = x^2 - 4x + 3$.</p><p>Xét tính đúng sai:</p>",
         "statements": [{"id": "a", "text": "Đồ thị cắt trục hoành tại 2 điểm.", "correct": True},
                        {"id": "b", "text": "Hàm số đồng biến trên $\\mathbb{R}$.", "correct": False},
                        {"id": "c", "text": "Đỉnh parabol là $(2; -1)$.", "correct": True},
                        {"id": "d", "text": "$y(0) = 4$.", "correct": False}]}
SHORT = {"type": "short_answer", "stem": "Nghiệm của $2x + 3 = 0$ là", "answers": [{"text": "-1,5"}]}
TRUE_FALSE = {"type": "true_false", "stem": "Nước sôi ở 100 °C tại áp suất 1 atm.", "answer": True}


def test_dump_then_parse_gives_the_same_questions_and_meta():
    items = [{"body": SINGLE, "meta": {"level": "nhan_biet"}}, {"body": GROUP, "meta": {}},
             {"body": SHORT, "meta": {"points": Decimal("0.5")}}, {"body": MULTIPLE, "meta": {}},
             {"body": TRUE_FALSE, "meta": {}}]
    fmt = get_format("docx")
    result = fmt.parse(io.BytesIO(fmt.dump(items)))
    assert result.problems == []
    # Formulas come back as typed ("$2x + 3 = 0$", not "$2x+3=0$"): each equation carries its LaTeX.
    assert [d.body for d in result.drafts] == [SINGLE, MULTIPLE, GROUP, SHORT, TRUE_FALSE]
    assert [d.meta for d in result.drafts] == [
        {"level": "nhan_biet", "section": "I"}, {"section": "I"}, {"section": "II"},
        {"points": Decimal("0.5"), "section": "III"}, {"section": "III"}]


@pytest.mark.parametrize("texts, columns", [
    (["2", "4", "$\\frac{1}{2}$", "8"], 4),
    (["Hình vuông có bốn cạnh", "Hình chữ nhật", "Hình thoi", "Hình thang cân"], 2),
    (["Đồ thị hàm số cắt trục hoành tại đúng hai điểm phân biệt", "b", "c", "d"], 1),
    (["a", '<img src="/media/1/file">', "c", "d"], 1),
    (["1", "2", "3", "4", "5", "6"], 4),
])
def test_options_are_laid_out_four_two_or_one_to_a_line(texts, columns):
    from question_bank.formats.docx_writer import option_columns

    assert option_columns(texts) == columns


def test_six_short_options_print_four_then_two_and_read_back():
    body = {"type": "single_choice", "stem": "Chọn số lớn nhất",
            "options": [{"id": chr(97 + i), "text": str(i + 1), "correct": i == 5} for i in range(6)]}
    fmt = get_format("docx")
    data = fmt.dump([{"body": body, "meta": {}}])
    lines = [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text.startswith(("A.", "E."))]
    assert lines == ["A. 1\tB. 2\tC. 3\tD. 4", "E. 5\tF. 6"]
    [draft] = fmt.parse(io.BytesIO(data)).drafts
    assert [o["correct"] for o in draft.body["options"]] == [False] * 5 + [True]


def test_numeric_answers_keep_their_tolerance_through_word():
    numeric = {"type": "short_answer", "stem": "Gia tốc trọng trường (m/s²) xấp xỉ",
               "answers": [{"value": 9.81, "tolerance": 0.05}, {"value": 10, "tolerance": 0}]}
    fmt = get_format("docx")
    result = fmt.export([{"body": numeric, "meta": {}}])
    assert result.warnings == []
    document = Document(io.BytesIO(result.data))
    # "± 0" keeps an exact number a number (the plain "10" a teacher types is read as the text "10").
    assert any(p.text == "Đáp án: 9,81 ± 0,05; 10 ± 0" for p in document.paragraphs)
    [draft] = fmt.parse(io.BytesIO(result.data)).drafts
    assert draft.body["answers"] == [{"value": 9.81, "tolerance": 0.05}, {"value": 10, "tolerance": 0}]


@pytest.mark.parametrize("line, answers", [
    ("Đáp án: 1,5 (sai số 0,01)", [{"value": 1.5, "tolerance": 0.01}]),
    ("Đáp án: -2 +/- 0,5", [{"value": -2, "tolerance": 0.5}]),
    ("Đáp án: 3,14", [{"text": "3,14"}]),
])
def test_teacher_typed_tolerances_are_read(line, answers):
    d = Document()
    d.add_paragraph("PHẦN III. Câu trắc nghiệm trả lời ngắn.")
    d.add_paragraph("Câu 1. Tính gần đúng.")
    d.add_paragraph(line)
    buffer = io.BytesIO()
    d.save(buffer)
    [draft] = parse_docx(buffer.getvalue()).drafts
    assert draft.body["answers"] == answers


def test_dump_marks_correct_answers_red_and_underlined_and_appends_the_key():
    document = Document(io.BytesIO(get_format("docx").dump([{"body": SINGLE, "meta": {}}])))
    # Short options share one line at tab stops, as printed papers do: "A. 2  B. 4  C. H₂O  D. 8".
    line = next(p for p in document.paragraphs if p.text.startswith("A."))
    assert line.text == "A. 2\tB. 4\tC. H2O\tD. 8"
    marked = [r.text for r in line.runs if r.underline and str(r.font.color.rgb) == "FF0000"]
    assert marked == ["B.", "4"]
    key = document.tables[-1]
    assert [c.text for c in key.rows[0].cells[:2]] == ["Câu", "1"]
    assert [c.text for c in key.rows[1].cells[:2]] == ["Đáp án", "B"]


def test_dump_without_key_has_no_marks_and_parses_as_unanswered():
    data = get_format("docx").dump([{"body": SINGLE, "meta": {}}], with_key=False)
    document = Document(io.BytesIO(data))
    assert not any(r.underline for p in document.paragraphs for r in p.runs)
    assert document.tables == []
    assert "không xác định được đáp án đúng" in parse_docx(data).problems[0].message


def test_images_are_embedded_and_come_back_as_blobs():
    image = ImageBlob("hinh.png", "image/png", png_bytes(3, 3))
    body = dict(SHORT, stem='Quan sát hình: <img src="cid:hinh.png">')
    result = parse_docx(get_format("docx").dump([{"body": body, "meta": {}, "images": [image]}]))
    draft = result.drafts[0]
    assert draft.body["stem"] == 'Quan sát hình: <img src="cid:image1.png">'
    assert draft.images[0].data == image.data and draft.images[0].content_type == "image/png"


def test_missing_image_is_a_warning_not_a_crash():
    body = dict(SHORT, stem='Hình: <img src="/media/abc.png">')
    result = get_format("docx").export([{"body": body, "meta": {}}])
    assert "không nhúng được hình ảnh /media/abc.png" in result.warnings[0].message
    assert "[hình ảnh]" in parse_docx(result.data).drafts[0].body["stem"]


def test_types_the_layout_cannot_express_are_rejected_by_dump():
    ordering = {"type": "ordering", "stem": "Sắp xếp", "items": [{"id": "1", "text": "x"}]}
    with pytest.raises(ExportRejected) as error:
        get_format("docx").dump([{"body": SINGLE, "meta": {}}, {"body": ordering, "meta": {}}])
    assert error.value.problems[0].item == 2


HEADER = {"school": "Trường THPT Chu Văn An", "exam_title": "Kiểm tra giữa kì I", "subject": "Toán",
          "duration_minutes": 90, "code": "101"}


def test_build_paper_prints_header_unmarked_questions_and_a_key_page():
    questions = [{"number": 1, "body": SINGLE}, {"number": 2, "body": MULTIPLE}, {"number": 1, "body": GROUP},
                 {"number": 1, "body": SHORT}]
    data = build_paper(HEADER, questions)
    document = Document(io.BytesIO(data))
    header_text = " ".join(c.text for c in document.tables[0].rows[0].cells)
    assert "TRƯỜNG THPT CHU VĂN AN" in header_text and "Môn: Toán" in header_text and "90 phút" in header_text
    texts = [p.text for p in document.paragraphs]
    assert "Mã đề 101" in texts and "ĐÁP ÁN – MÃ ĐỀ 101" in texts
    assert texts.index("ĐÁP ÁN – MÃ ĐỀ 101") > texts.index("------ HẾT ------")
    assert not any(r.underline for p in document.paragraphs for r in p.runs)
    # The key page alone is enough to recover every answer of this version.
    printed_single = {k: v for k, v in SINGLE.items() if k != "explanation"}  # solutions are not printed
    assert [d.body for d in parse_docx(data).drafts] == [printed_single, MULTIPLE, GROUP, SHORT]


def test_build_paper_without_answer_sheet_and_with_missing_header():
    data = build_paper(HEADER, [{"number": 5, "body": SINGLE}], with_answer_sheet=False)
    texts = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert not any("ĐÁP ÁN" in t for t in texts) and any(t.startswith("Câu 5.") for t in texts)
    with pytest.raises(ValueError, match="subject, code"):
        build_paper(dict(HEADER, subject="", code=None), [])


def test_formulas_are_native_word_equations_in_the_printed_paper():
    body = {"type": "single_choice", "stem": "<p>Tập nghiệm của $x^2 - 3x + 2 = 0$ trên $\\mathbb{R}$ là</p>",
            "options": [{"id": "a", "text": "$\\{1; 2\\}$", "correct": True},
                        {"id": "b", "text": "$\\frac{1}{2}$", "correct": False},
                        {"id": "c", "text": "$\\sqrt{2}$", "correct": False},
                        {"id": "d", "text": "$\\alpha \\le \\sum_{i=1}^{n} i$", "correct": False}]}
    document = Document(io.BytesIO(build_paper(HEADER, [{"number": 1, "body": body}])))
    xml = document.element.xml
    assert xml.count("<m:oMath>") == 6 and "<m:f>" in xml and "<m:rad>" in xml and "<m:nary>" in xml
    assert not any("$" in p.text for p in document.paragraphs)


@needs_office
def test_printed_paper_typesets_formulas_in_libreoffice(tmp_path):
    body = {"type": "single_choice", "stem": "<p>Nghiệm của phương trình $x^2 - 3x + 2 = 0$ thuộc $\\mathbb{R}$</p>",
            "options": [{"id": "a", "text": "$\\frac{1}{2}$", "correct": False},
                        {"id": "b", "text": "$x = 1$", "correct": True},
                        {"id": "c", "text": "$\\sqrt{5}$", "correct": False},
                        {"id": "d", "text": "$\\pi$", "correct": False}]}
    source = tmp_path / "ma-de-101.docx"
    source.write_bytes(build_paper(HEADER, [{"number": 1, "body": body}], with_answer_sheet=False))
    text = docx_as_printed_text(source, tmp_path)
    assert "Nghiệm của phương trình" in text
    assert "$" not in text and "\\frac" not in text and "mathbb" not in text
    # LibreOffice (with its Math module, libreoffice-math-nogui) typesets the equations: their glyphs are text.
    assert "x2−3x+2=0" in text.replace(" ", "") and "ℝ" in text and "π" in text and "x=1" in text.replace(" ", "")
