"""Builders of .docx files that look like the papers Vietnamese teachers type, made with python-docx.

Runs are split mid-word with different fonts (as Word does after edits), answers are marked in red,
underline or bold, some options share one line, and equations are raw OMML injected into paragraphs.
"""
from __future__ import annotations

import io
import struct
import zlib

from docx import Document
from docx.oxml import parse_xml
from docx.shared import Pt, RGBColor

M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RED = RGBColor(0xFF, 0x00, 0x00)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A valid tiny RGB PNG (python-docx reads its size when embedding it)."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def omml(inner: str) -> str:
    """An ``m:oMath`` element around ``inner`` OMML markup."""
    return f'<m:oMath xmlns:m="{M_NS}" xmlns:w="{W_NS}">{inner}</m:oMath>'


def mr(text: str) -> str:
    return f"<m:r><m:t>{text}</m:t></m:r>"


FRACTION_HALF = omml(f"<m:f><m:num>{mr('1')}</m:num><m:den>{mr('2')}</m:den></m:f>")
SQRT_X_SQUARED = omml(f"<m:rad><m:radPr><m:degHide m:val=\"1\"/></m:radPr><m:deg/><m:e>"
                      f"<m:sSup><m:e>{mr('x')}</m:e><m:sup>{mr('2')}</m:sup></m:sSup></m:e></m:rad>")


def add(paragraph, text: str, *, bold=None, underline=None, red=False, font: str | None = None,
        size: int | None = None, italic=None):
    """Append one formatted run to ``paragraph`` and return the paragraph (for chaining)."""
    run = paragraph.add_run(text)
    run.bold, run.underline, run.italic = bold, underline, italic
    if red:
        run.font.color.rgb = RED
    if font:
        run.font.name = font
    if size:
        run.font.size = Pt(size)
    return paragraph


def add_math(paragraph, xml: str):
    """Inject raw OMML into ``paragraph`` (python-docx has no equation API)."""
    paragraph._p.append(parse_xml(xml))
    return paragraph


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def options_each_line(document, texts: list[str], correct: int | None, mark: str = "underline",
                      bold_letters: bool = False) -> None:
    """A. … D. one per paragraph; the correct one marked by ``mark`` (underline, red, bold_text)."""
    for i, text in enumerate(texts):
        paragraph = document.add_paragraph()
        is_correct = i == correct
        add(paragraph, f"{'ABCD'[i]}.", bold=True if bold_letters else None,
            underline=True if is_correct and mark == "underline" else None, red=is_correct and mark == "red")
        add(paragraph, " " + text, red=is_correct and mark == "red",
            bold=True if is_correct and mark == "bold_text" else None)


def teacher_paper() -> bytes:
    """A realistic 2025-format paper with every layout and marking variant, and two broken questions.

    Part I: Câu 1 underline (runs split over fonts), Câu 3 (gap) options on one tab-separated line with red,
    Câu 4 bold text while every letter is bold, Câu 5 options in a 2x2 table answered by the key table,
    Câu 6 equation + picture, Câu 7 no answer (broken), Câu 8 a single option (broken), Câu 9 a table in
    the stem with the answer in an "Đáp án:" line. Part II: Câu 1 marked in red, Câu 2 by the key line.
    Part III: "Đáp án: -1,5" and "ĐA: 2,5" with an explanation. Then a key: a Câu/Đáp án table and a line.
    """
    d = Document()
    add(d.add_paragraph(), "SỞ GD&ĐT HÀ NỘI", bold=True)
    add(d.add_paragraph(), "ĐỀ KIỂM TRA GIỮA KÌ I – MÔN TOÁN 12", bold=True)
    add(d.add_paragraph(), "Mã đề 101")
    add(d.add_paragraph(), "PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn. Thí sinh trả lời từ câu 1 đến câu 9.",
        bold=True)

    p = d.add_paragraph()
    add(p, "Câ", bold=True, font="Times New Roman")
    add(p, "u 1 (0,25 điểm): ", bold=True, font="Arial", size=13)
    add(p, "[NB] Thủ đô của ", font="Arial")
    add(p, "Việt Nam", font="Times New Roman", italic=True)
    add(p, " là")
    options_each_line(d, ["Huế.", "Hà Nội.", "Đà Nẵng.", "Cần Thơ."], correct=1, mark="underline")

    p = d.add_paragraph()
    add(p, "Câu 3. ", bold=True)
    add(p, "Số nào là số nguyên tố?")
    p = d.add_paragraph()
    add(p, "A. 4\t")
    add(p, "B. 6\t")
    add(p, "C. 7", red=True)
    add(p, "\tD. 9")

    p = d.add_paragraph()
    add(p, "Câu 4: ", bold=True)
    add(p, "Kim loại dẫn điện tốt nhất là")
    options_each_line(d, ["Sắt.", "Bạc.", "Nhôm.", "Đồng."], correct=1, mark="bold_text", bold_letters=True)

    add(add(d.add_paragraph(), "Câu 5. ", bold=True), "Hình nào có 4 cạnh bằng nhau?")
    table = d.add_table(rows=2, cols=2)
    for cell, text in zip((c for row in table.rows for c in row.cells),
                          ("A. Hình chữ nhật", "B. Hình thang", "C. Hình vuông", "D. Hình tam giác")):
        cell.text = text

    p = d.add_paragraph()
    add(p, "Câu 6. ", bold=True)
    add(p, "Giá trị của ")
    add_math(p, FRACTION_HALF)
    add(p, " cộng ")
    add_math(p, SQRT_X_SQUARED)
    add(p, " với x = 1 là (xem hình)")
    d.add_paragraph().add_run().add_picture(io.BytesIO(png_bytes()))
    options_each_line(d, ["1", "1,5", "2", "0,5"], correct=1, mark="red")

    add(add(d.add_paragraph(), "Câu 7. ", bold=True), "Câu hỏi thiếu đánh dấu đáp án")
    options_each_line(d, ["x", "y", "z", "t"], correct=None)

    add(add(d.add_paragraph(), "Câu 8. ", bold=True), "Câu hỏi chỉ có một phương án")
    options_each_line(d, ["một"], correct=0)

    add(add(d.add_paragraph(), "Câu 9. ", bold=True), "Cho bảng số liệu:")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Năm", "Dân số"
    table.cell(1, 0).text, table.cell(1, 1).text = "2020", "97,3"
    add(d.add_paragraph(), "Dân số năm 2020 là bao nhiêu triệu?")
    options_each_line(d, ["96", "97,3", "98", "99"], correct=None)
    add(d.add_paragraph(), "Đáp án: B")

    add(d.add_paragraph(), "PHẦN II. Câu trắc nghiệm đúng sai.", bold=True)
    add(add(d.add_paragraph(), "Câu 1. ", bold=True), "Cho hàm số y = x².")
    for letter, text, true in (("a", "Hàm số chẵn.", True), ("b", "Hàm số lẻ.", False),
                               ("c", "Đồ thị đi qua gốc tọa độ.", True), ("d", "Hàm số đồng biến trên ℝ.", False)):
        add(add(d.add_paragraph(), f"{letter}) ", red=true), text, red=true)
    add(add(d.add_paragraph(), "Câu 2. ", bold=True), "Xét phản ứng của sắt.")
    for letter, text in (("a", "Sắt tác dụng với HCl."), ("b", "Sắt là phi kim."), ("c", "Sắt bị nam châm hút."),
                         ("d", "Sắt tan trong nước.")):
        add(d.add_paragraph(), f"{letter}) {text}")

    add(d.add_paragraph(), "PHẦN III. Câu trắc nghiệm trả lời ngắn.", bold=True)
    add(add(d.add_paragraph(), "Câu 1. ", bold=True), "Nghiệm của 2x + 3 = 0 là")
    add(d.add_paragraph(), "Đáp án: -1,5")
    add(add(d.add_paragraph(), "Câu 2. ", bold=True), "Tính 5 : 2.")
    add(d.add_paragraph(), "ĐA: 2,5")
    add(add(d.add_paragraph(), "Lời giải: ", bold=True), "Ta có 5 : 2 = 2,5.")

    add(d.add_paragraph(), "------ HẾT ------", bold=True)
    add(d.add_paragraph(), "ĐÁP ÁN", bold=True)
    add(d.add_paragraph(), "PHẦN I", bold=True)
    key = d.add_table(rows=2, cols=5)
    for j, (number, value) in enumerate((("Câu", "Đáp án"), ("1", "B"), ("3", "C"), ("5", "C"), ("6", "B"))):
        key.cell(0, j).text, key.cell(1, j).text = number, value
    add(d.add_paragraph(), "PHẦN II", bold=True)
    add(d.add_paragraph(), "2) a-Đ b-S c-Đ d-S")
    return save(d)


def unsectioned_paper_with_key_line() -> bytes:
    """Questions without parts, answers only in a "1.A 2.C" key line printed without a heading."""
    d = Document()
    for number, stem in ((1, "Một cộng một bằng"), (2, "Hai nhân hai bằng"), (4, "Ba trừ một bằng")):
        add(d.add_paragraph(), f"Câu {number}: {stem}")
        add(d.add_paragraph(), "A. 1    B. 2    C. 3    D. 4")
    add(d.add_paragraph(), "1.B   2.D   4-B")
    return save(d)


def numbered_paper() -> bytes:
    """A question whose "Câu 1." and "A."–"D." come from Word list numbering, not typed text."""
    d = Document()
    numbering = d.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Câu %1."/>'
        '<w:suff w:val="space"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="upperLetter"/><w:lvlText w:val="%2."/>'
        '<w:suff w:val="space"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))

    def numbered(text: str, level: int, underline=None):
        paragraph = d.add_paragraph()
        ppr = paragraph._p.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'))
        add(paragraph, text, underline=underline)

    numbered("Đơn vị đo cường độ dòng điện là", 0)
    for i, text in enumerate(("Vôn", "Ampe", "Oát", "Ôm")):
        numbered(text, 1, underline=True if i == 1 else None)
    numbered("Đơn vị đo điện trở là", 0)
    for i, text in enumerate(("Vôn", "Ampe", "Oát", "Ôm")):
        numbered(text, 1, underline=True if i == 3 else None)
    return save(d)
