"""Word papers typed in the pre-Unicode Vietnamese fonts (TCVN3 ".VnTime", VNI "VNI-Times") import as Unicode."""
import io
import unicodedata

import docx
import pytest
from docx.oxml.ns import qn

from question_bank.formats import legacy_vietnamese as lv
from question_bank.formats.docx import parse_docx

# Every Vietnamese letter with a diacritic, lower and upper case (67 + 67).
LETTERS = ("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")


def test_every_letter_has_a_vni_spelling_that_reads_back():
    both = LETTERS + LETTERS.upper()
    assert len(set(both)) == 134
    for letter in both:
        spelled = lv.encode_vni(letter)
        assert spelled != letter or letter in "ìíÌÍ", letter  # VNI's ì and í are Latin-1's own
        assert lv.decode(spelled, lv.VNI) == letter, letter
    assert lv.decode(lv.encode_vni("Người Việt học Toán"), lv.VNI) == "Người Việt học Toán"


def test_vni_spellings_as_published():
    # The README example of the npm package "vietnamese-conversion" (MIT), and the VNI keyboard's own rules.
    assert lv.decode("Xin chaøo caùc baïn", lv.VNI) == "Xin chào các bạn"
    assert lv.decode("Thuû ñoâ Haø Noäi, ÑEÀ KIEÅM TRA, Ngöôøi, thöôûng", lv.VNI) == \
        "Thủ đô Hà Nội, ĐỀ KIỂM TRA, Người, thưởng"


def test_tcvn3_letters_and_the_upper_case_fonts():
    # Place names as a public TCVN3 converter's example prints them (the soft hyphen is "ư").
    assert lv.decode("B¶o Th¾ng", lv.TCVN3) == "Bảo Thắng"
    assert lv.decode("M\xadêng Kh\xad¬ng", lv.TCVN3) == "Mường Khương"
    for letter in LETTERS + "ĂÂĐÊÔƠƯ":
        assert lv.decode(lv.encode_tcvn3(letter), lv.TCVN3) == letter
    # .VnTimeH draws the same codes as capitals, ASCII letters included.
    assert lv.decode("®Ò kiÓm tra", lv.TCVN3_UPPER) == "ĐỀ KIỂM TRA"
    assert lv.decode("Thñ ®«", None) == "Thñ ®«"  # a Unicode font: left alone


@pytest.mark.parametrize("font, expected", [
    (".VnTime", lv.TCVN3), (".VnArial", lv.TCVN3), (".VnTimeH", lv.TCVN3_UPPER), (".VnArialH", lv.TCVN3_UPPER),
    ("VNI-Times", lv.VNI), ("VNI-Helve", lv.VNI), ("Times New Roman", None), ("Arial", None), (None, None),
    ("", None),
])
def test_fonts_name_their_encoding(font, expected):
    assert lv.encoding_of_font(font) == expected


def _set_font(target, name):
    """rFonts on a style's or a run's rPr, as Word writes it for a legacy font (ascii and hAnsi)."""
    target.font.name = name
    fonts = target.element.rPr.find(qn("w:rFonts"))
    fonts.set(qn("w:hAnsi"), name)


def _legacy_paper() -> bytes:
    document = docx.Document()
    _set_font(document.styles["Normal"], ".VnTime")  # the whole paper in .VnTime, as old files are
    heading = document.add_paragraph()
    _set_font(heading.add_run(lv.encode_tcvn3("đề kiểm tra 15 phút")), ".VnTimeH")
    document.add_paragraph(lv.encode_tcvn3("Câu 1. Thủ đô của Việt Nam là"))
    document.add_paragraph("A. " + lv.encode_tcvn3("Huế."))
    right = document.add_paragraph("B. ")
    right.add_run(lv.encode_tcvn3("Hà Nội.")).underline = True
    document.add_paragraph("C. " + lv.encode_tcvn3("Đà Nẵng."))
    document.add_paragraph("D. " + lv.encode_tcvn3("Cần Thơ."))
    # A later question pasted from a VNI file, and one in a Unicode font inside the same paper.
    question = document.add_paragraph()
    _set_font(question.add_run("Câu 2. " + lv.encode_vni("Số nghiệm của phương trình x² = 4 là")), "VNI-Times")
    for letter, text, key in (("A", "0.", False), ("B", "1.", False), ("C", "2.", True), ("D", "vô số.", False)):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(f"{letter}. " + lv.encode_vni(text))
        _set_font(run, "VNI-Times")
        run.underline = key
    unicode_question = document.add_paragraph()
    _set_font(unicode_question.add_run("Câu 3. Chọn số lớn nhất."), "Times New Roman")
    for letter, text in (("A", "1."), ("B", "2."), ("C", "3."), ("D", "4.")):
        paragraph = document.add_paragraph()
        run = paragraph.add_run(f"{letter}. {text}")
        _set_font(run, "Times New Roman")
        run.underline = letter == "D"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_paper_in_old_fonts_imports_as_unicode_with_its_keys():
    result = parse_docx(_legacy_paper())
    assert result.problems == []
    bodies = [d.body for d in result.drafts]
    assert [b["stem"] for b in bodies] == [
        "Thủ đô của Việt Nam là", "Số nghiệm của phương trình x² = 4 là", "Chọn số lớn nhất."]
    assert [o["text"] for o in bodies[0]["options"]] == ["Huế.", "Hà Nội.", "Đà Nẵng.", "Cần Thơ."]
    assert [o["text"] for o in bodies[0]["options"] if o["correct"]] == ["Hà Nội."]
    assert [o["text"] for o in bodies[1]["options"] if o["correct"]] == ["2."]
    assert [o["text"] for o in bodies[1]["options"]][3] == "vô số."
    assert [o["text"] for o in bodies[2]["options"] if o["correct"]] == ["4."]
    for body in bodies:
        text = body["stem"] + "".join(o["text"] for o in body["options"])
        assert text == unicodedata.normalize("NFC", text)
        assert {c for c in text if not c.isascii()} <= set(LETTERS + LETTERS.upper() + "²"), text
