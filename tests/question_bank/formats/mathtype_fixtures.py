"""Word papers with MathType formulas, built the way Word stores them: a ``w:object`` holding a VML shape
whose picture is the WMF preview and an ``o:OLEObject`` (ProgID ``Equation.DSMT4``) pointing at
``word/embeddings/oleObjectN.bin``. The OLE objects are the public MTEF corpus in ``fixtures/mathtype``.
"""
from __future__ import annotations

import itertools
import struct
from pathlib import Path

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml

from tests.question_bank.formats.docx_fixtures import W_NS, add, save

CORPUS = Path(__file__).parent / "fixtures" / "mathtype"
_V = "urn:schemas-microsoft-com:vml"
_O = "urn:schemas-microsoft-com:office:office"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_counter = itertools.count(1)


def ole(name: str) -> bytes:
    """The bytes of one corpus object (``mathtype5_equation2`` is the quadratic formula)."""
    return (CORPUS / f"{name}.bin").read_bytes()


def broken_ole() -> bytes:
    """A real MathType object whose MTEF data claims a version that does not exist (9): unconvertible."""
    data = bytearray(ole("mathtype5_equation4"))
    start = data.index(b"\x05\x00\x00\x06\x07DSMT6")
    data[start] = 9
    return bytes(data)


def wmf_bytes(width: int = 600, height: int = 300) -> bytes:
    """A small placeable WMF (a line and a rectangle) like the preview Word keeps of each formula."""
    records = []

    def record(function: int, *params: int) -> None:
        records.append(struct.pack("<IH", 3 + len(params), function) + b"".join(struct.pack("<h", p) for p in params))

    record(0x020B, 0, 0)                  # SETWINDOWORG
    record(0x020C, height, width)         # SETWINDOWEXT
    record(0x0214, 10, 10)                # MOVETO
    record(0x0213, height - 10, width - 10)  # LINETO
    record(0x041B, height - 20, width - 20, 20, 20)  # RECTANGLE
    records.append(struct.pack("<IH", 3, 0))
    body = b"".join(records)
    header = struct.pack("<HHHIHIH", 1, 9, 0x300, (18 + len(body)) // 2, 0, max(len(r) for r in records) // 2, 0)
    words = struct.unpack("<10H", struct.pack("<IHhhhhHI", 0x9AC6CDD7, 0, 0, 0, width, height, 1440, 0))
    checksum = 0
    for word in words:
        checksum ^= word
    return struct.pack("<IHhhhhHIH", 0x9AC6CDD7, 0, 0, 0, width, height, 1440, 0, checksum) + header + body


def add_mathtype(document, paragraph, ole_bytes: bytes | None, preview: bytes | None = None):
    """Append a MathType formula object (OLE bytes + WMF preview) to ``paragraph``; return the paragraph.
    Without ``ole_bytes`` the object points at no data, as in a file whose embedding was stripped."""
    number = next(_counter)
    package = document.part.package
    image_part = Part(PackURI(f"/word/media/mt{number}.wmf"), "image/x-wmf", preview or wmf_bytes(), package)
    image_rid = document.part.relate_to(image_part, RT.IMAGE)
    ole_link = ""
    if ole_bytes is not None:
        ole_part = Part(PackURI(f"/word/embeddings/oleObject{number}.bin"),
                        "application/vnd.openxmlformats-officedocument.oleObject", ole_bytes, package)
        ole_link = f' r:id="{document.part.relate_to(ole_part, RT.OLE_OBJECT)}"'
    paragraph._p.append(parse_xml(
        f'<w:r xmlns:w="{W_NS}" xmlns:v="{_V}" xmlns:o="{_O}" xmlns:r="{_R}">'
        f'<w:object w:dxaOrig="600" w:dyaOrig="300">'
        f'<v:shape id="_x0000_i{1024 + number}" type="#_x0000_t75" style="width:30pt;height:15pt" o:ole="">'
        f'<v:imagedata r:id="{image_rid}" o:title=""/></v:shape>'
        f'<o:OLEObject Type="Embed" ProgID="Equation.DSMT4" ShapeID="_x0000_i{1024 + number}" '
        f'DrawAspect="Content" ObjectID="_{1700000000 + number}"{ole_link}/>'
        f'</w:object></w:r>'))
    return paragraph


def _numbering(document) -> None:
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(
        f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="70">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="Câu %1:"/>'
        '<w:suff w:val="space"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="70"><w:abstractNumId w:val="70"/></w:num>'))


def numbered_question(document, text: str):
    """A paragraph numbered "Câu N:" by Word list numbering (the number is not in the text)."""
    paragraph = document.add_paragraph()
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="0"/><w:numId w:val="70"/></w:numPr>'))
    add(paragraph, text)
    return paragraph


def mathtype_paper(questions: int = 3, broken: bool = True, broken_every: int = 0) -> bytes:
    """A paper whose questions are numbered by Word and whose formulas are MathType objects.

    Question 1 asks about the quadratic formula (MTEF 5) with options that are MathType formulas (the
    correct one underlined); question 2 has an Equation Editor 3.0 formula (MTEF 3) and a red answer;
    question 3 (when ``broken``) has a formula whose data cannot be read, so its picture is kept.
    Further questions (``questions`` > 3) repeat question 1, for the benchmark; with ``broken_every`` N every
    N-th of them is a question 3 instead (a formula kept as a picture).
    """
    d = Document()
    _numbering(d)
    add(d.add_paragraph(), "ĐỀ KIỂM TRA – MÔN TOÁN 10", bold=True)
    for number in range(1, questions + 1):
        kind = number if number <= 3 else (3 if broken_every and number % broken_every == 0 else 1)
        if kind == 3 and not broken:
            kind = 1
        if kind == 1:
            add_mathtype(d, numbered_question(d, "Nghiệm của phương trình bậc hai là "), ole("mathtype5_equation2"))
            for i, name in enumerate(("mathtype5_equation4", "mathtype5_matrix", "mathtype3_sqrt",
                                      "mathtype5_integrals")):
                paragraph = add(d.add_paragraph(), f"{'ABCD'[i]}. ", underline=True if i == 0 else None)
                add_mathtype(d, paragraph, ole(name))
        elif kind == 2:
            paragraph = numbered_question(d, "Giới hạn ")
            add_mathtype(d, paragraph, ole("mathtype3_lim_embell"))
            add(paragraph, " là tổng Riemann. Chọn đáp án đúng.")
            for i, text in enumerate(("Đúng", "Sai", "Không xác định", "Chỉ khi n chẵn")):
                add(d.add_paragraph(), f"{'ABCD'[i]}. {text}", red=i == 0)
        else:
            add_mathtype(d, numbered_question(d, "Giá trị của biểu thức "), broken_ole())
            for i, text in enumerate(("1", "2", "3", "4")):
                add(d.add_paragraph(), f"{'ABCD'[i]}. {text}", underline=True if i == 2 else None)
    return save(d)


def emf_bytes(width: int = 200, height: int = 80) -> bytes:
    """A small EMF (a rectangle) like the preview some Word versions keep of a formula or pasted drawing."""
    rectangle = struct.pack("<II", 43, 24) + struct.pack("<iiii", 10, 10, width - 10, height - 10)
    end = struct.pack("<II", 14, 20) + struct.pack("<III", 0, 16, 20)
    total = 88 + len(rectangle) + len(end)
    header = struct.pack("<II", 1, 88) + struct.pack("<iiii", 0, 0, width - 1, height - 1)
    header += struct.pack("<iiii", 0, 0, width * 2540 // 96, height * 2540 // 96)  # frame in 0.01 mm
    header += struct.pack("<I", 0x464D4520) + struct.pack("<IIIHH", 0x10000, total, 3, 1, 0)
    header += struct.pack("<III", 0, 0, 0) + struct.pack("<iiii", 1920, 1080, 508, 286)
    return header + rectangle + end
