"""Writing questions as a Vietnamese exam paper in .docx: the export format and printed versions (mã đề).

The layout is the one the importer reads back: "PHẦN I/II/III" headings, "Câu N." with the stem, options
``A.``–``D.`` and statements ``a)``–``d)`` one per paragraph, "Đáp án:" lines for short answers, "Lời giải:"
for explanations, and an answer-key table per part at the end. With the key, correct options and true
statements are underlined and red, exactly as teachers mark them. LaTeX between ``$…$``/``$$…$$`` is written
as native Word equations (OMML, :mod:`docx_omml`); a formula that cannot be converted stays as text and is
reported.
"""
from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.shared import Cm, Pt, RGBColor

from question_bank.formats.base import ImageBlob, ImportProblem, format_number
from question_bank.formats.docx_omml import latex_to_omml, omml_xml

RED_COLOR = RGBColor(0xFF, 0x00, 0x00)
MAX_IMAGE_WIDTH = Cm(12)
KEY_COLUMNS = 10  #: answers per row pair in the key tables

#: Parts of the paper in print order: (kind, heading). Kinds group the question types.
PARTS = (
    ("choice", "Câu trắc nghiệm nhiều phương án lựa chọn."),
    ("tf", "Câu trắc nghiệm đúng sai."),
    ("short", "Câu trắc nghiệm trả lời ngắn."),
    ("essay", "Tự luận."),
)
PART_OF_TYPE = {"single_choice": "choice", "multiple_choice": "choice", "true_false_group": "tf",
                "short_answer": "short", "true_false": "short", "essay": "essay"}
SUPPORTED_TYPES = frozenset(PART_OF_TYPE)
_ROMAN = ("I", "II", "III", "IV")
_BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr"}
_FORMAT_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
                "sup": "superscript", "sub": "subscript"}


@dataclass
class _Run:
    text: str = ""
    style: frozenset = frozenset()
    image: str | None = None


@dataclass
class _Block:
    runs: list[_Run] = field(default_factory=list)
    table: list[list[list[_Run]]] | None = None


class _HtmlToBlocks(HTMLParser):
    """Sanitised question HTML to paragraphs of styled runs and simple tables (cells as runs)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = [_Block()]
        self.styles: list[str] = []
        self.table: list[list[list[_Run]]] | None = None
        self.cell: list[_Run] | None = None

    def _target(self) -> list[_Run]:
        if self.cell is not None:
            return self.cell
        return self.blocks[-1].runs

    def _new_paragraph(self) -> None:
        if self.cell is not None:
            self.cell.append(_Run("\n"))
        elif self.blocks[-1].runs or self.blocks[-1].table is not None:
            self.blocks.append(_Block())

    def handle_starttag(self, tag, attrs):
        if tag in _FORMAT_TAGS:
            self.styles.append(_FORMAT_TAGS[tag])
        elif tag == "br":
            self._target().append(_Run("\n"))
        elif tag == "img":
            self._target().append(_Run(image=dict(attrs).get("src") or ""))
        elif tag == "table" and self.table is None:
            self._new_paragraph()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            if not self.table:
                self.table.append([])
            self.cell = []
            self.table[-1].append(self.cell)
        elif tag in _BLOCK_TAGS and self.table is None:
            self._new_paragraph()

    def handle_endtag(self, tag):
        if tag in _FORMAT_TAGS and _FORMAT_TAGS[tag] in self.styles:
            self.styles.remove(_FORMAT_TAGS[tag])
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "table" and self.table is not None:
            self.blocks.append(_Block(table=self.table))
            self.blocks.append(_Block())
            self.table = None
        elif tag in _BLOCK_TAGS and self.table is None:
            self._new_paragraph()

    def handle_data(self, data):
        if self.table is not None and self.cell is None:
            return  # whitespace between table tags
        self._target().append(_Run(data, frozenset(self.styles)))


def html_blocks(markup: str) -> list[_Block]:
    """Paragraph and table blocks of ``markup`` (empty paragraphs dropped)."""
    parser = _HtmlToBlocks()
    parser.feed(markup or "")
    parser.close()
    return [b for b in parser.blocks if b.table is not None or any(r.image or r.text.strip() for r in b.runs)]


class ImageSource:
    """Finds the bytes behind an ``<img src>``: ``cid:`` names of the item's images, or ``data:`` URIs."""

    def __init__(self, images: list[ImageBlob] | None, loader=None):
        self.by_name = {image.name: image.data for image in images or []}
        self.loader = loader
        self.missing: list[str] = []
        #: LaTeX formulas that could not become Word equations (kept as ``$…$`` text, reported).
        self.unconverted: list[str] = []

    def get(self, src: str) -> bytes | None:
        if src.startswith("cid:") and src[4:] in self.by_name:
            return self.by_name[src[4:]]
        match = re.match(r"^data:image/[a-z+.-]+;base64,(.*)$", src, re.S)
        if match:
            try:
                return base64.b64decode(match.group(1), validate=False)
            except (binascii.Error, ValueError):
                pass
        if self.loader is not None:
            data = self.loader(src)
            if data:
                return data
        self.missing.append(src)
        return None


def _add_runs(paragraph, runs: list[_Run], images: ImageSource, mark: bool = False) -> None:
    for item in runs:
        if item.image is not None:
            data = images.get(item.image)
            added = False
            if data:
                try:
                    shape = paragraph.add_run().add_picture(io.BytesIO(data))
                    if shape.width > MAX_IMAGE_WIDTH:
                        shape.height = int(shape.height * MAX_IMAGE_WIDTH / shape.width)
                        shape.width = MAX_IMAGE_WIDTH
                    added = True
                except Exception:  # python-docx rejects formats it cannot size (WMF, SVG): keep a placeholder
                    images.missing.append(item.image)
            if not added:
                paragraph.add_run("[hình ảnh]")
            continue
        parts = item.text.split("\n")
        for i, part in enumerate(parts):
            for run in _text_and_math(paragraph, part, images):
                _style_run(run, item, mark)
            if i < len(parts) - 1:
                paragraph.add_run().add_break()


_MATH = re.compile(r"\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.S)


def _text_and_math(paragraph, text: str, images: ImageSource) -> list:
    """Add ``text`` to the paragraph with each ``$…$`` as a Word equation; return the text runs added."""
    runs = []
    position = 0
    for match in _MATH.finditer(text):
        latex = (match.group(1) or match.group(2)).strip()
        element = latex_to_omml(latex, display=match.group(1) is not None) if latex else None
        if element is None:
            images.unconverted.append(match.group(0))
            continue  # stays in the text of the next run, and is reported
        if match.start() > position:
            runs.append(paragraph.add_run(text[position:match.start()]))
        paragraph._p.append(parse_xml(omml_xml(element)))
        position = match.end()
    rest = text[position:]
    if rest or not runs:
        runs.append(paragraph.add_run(rest))
    return runs


def _style_run(run, item: _Run, mark: bool) -> None:
    font = run.font
    font.bold = "bold" in item.style or None
    font.italic = "italic" in item.style or None
    font.superscript = "superscript" in item.style or None
    font.subscript = "subscript" in item.style or None
    if mark:
        font.underline = True
        font.color.rgb = RED_COLOR
    elif "underline" in item.style:
        font.underline = True


def _add_table(document, rows: list[list[list[_Run]]], images: ImageSource) -> None:
    width = max((len(row) for row in rows), default=0)
    if not width:
        return
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, cell_runs in enumerate(row):
            _add_runs(table.cell(r, c).paragraphs[0], cell_runs, images)


def add_html(document, markup: str, images: ImageSource, first=None, mark: bool = False) -> None:
    """Write question HTML; the first paragraph continues ``first`` (the "Câu N." line) when given."""
    for block in html_blocks(markup):
        if block.table is not None:
            _add_table(document, block.table, images)
            first = None
            continue
        paragraph = first if first is not None else document.add_paragraph()
        if first is not None and first.text and not first.text.endswith(" "):
            first.add_run(" ")
        _add_runs(paragraph, block.runs, images, mark)
        first = None


def _answer_texts(body: dict, warnings: list[str]) -> list[str]:
    texts = []
    for answer in body.get("answers") or []:
        if "text" in answer:
            texts.append(str(answer["text"]))
        elif "value" in answer:
            text = format_number(answer["value"]).replace(".", ",")
            # "1,5 ± 0,01": how Vietnamese keys write an accepted error; the importer reads it back.
            if answer.get("tolerance") and format_number(answer["tolerance"]) != "0":
                text += " ± " + format_number(answer["tolerance"]).replace(".", ",")
            texts.append(text)
    return texts


def key_value(body: dict) -> str:
    """The answer of one question as printed in the key table ("B", "A, C", "ĐSĐS", "-1,5")."""
    kind = body.get("type")
    if kind in ("single_choice", "multiple_choice"):
        return ", ".join(chr(ord("A") + i) for i, o in enumerate(body.get("options") or []) if o.get("correct"))
    if kind == "true_false_group":
        return "".join("Đ" if s.get("correct") else "S" for s in body.get("statements") or [])
    if kind == "true_false":
        return "Đúng" if body.get("answer") else "Sai"
    if kind == "short_answer":
        return "; ".join(_answer_texts(body, []))
    return ""


_LEVEL_TAGS = {"nhan_biet": "NB", "thong_hieu": "TH", "van_dung": "VD", "van_dung_cao": "VDC"}


#: Width between the margins of the A4 page :func:`new_document` sets up.
CONTENT_WIDTH_CM = 17
#: Widest option (visible characters, a formula counted at half its LaTeX length) that fits four, or two,
#: to a line at 12 pt: the layouts of printed Vietnamese papers (A–D on one line, two lines of two, one each).
_FOUR_A_LINE, _TWO_A_LINE = 16, 36
_TAG = re.compile(r"<[^>]+>")


def option_columns(texts: list[str]) -> int:
    """How many options a printed line holds (4, 2 or 1), as a Vietnamese paper lays them out: short options
    side by side at tab stops, long ones, pictures, tables and several paragraphs on lines of their own."""
    widest = 0
    for text in texts:
        blocks = html_blocks(text)
        if len(blocks) > 1 or any(b.table is not None or any(r.image is not None or "\n" in r.text for r in b.runs)
                                  for b in blocks):
            return 1
        plain = _TAG.sub("", _MATH.sub(lambda m: "x" * (len(m.group(0)) // 2), text))
        widest = max(widest, len(html_unescape(plain)))
    if widest <= _FOUR_A_LINE:
        return 4
    return 2 if widest <= _TWO_A_LINE else 1


def write_question(document, number: int, body: dict, meta: dict, images: ImageSource, with_key: bool,
                   warnings: list[str]) -> None:
    """One "Câu N." with its options/statements/answer, marked as teachers do when ``with_key``."""
    head = document.add_paragraph()
    label = f"Câu {number}"
    if meta.get("points") is not None:
        label += f" ({format_number(meta['points']).replace('.', ',')} điểm)"
    head.add_run(label + ".").bold = True
    if meta.get("level") in _LEVEL_TAGS:
        head.add_run(f" [{_LEVEL_TAGS[meta['level']]}]")
    add_html(document, body.get("stem") or "", images, first=head)
    kind = body.get("type")
    if kind in ("single_choice", "multiple_choice"):
        options = body.get("options") or []
        columns = option_columns([option.get("text") or "" for option in options])
        paragraph = None
        for i, option in enumerate(options):
            correct = with_key and bool(option.get("correct"))
            if i % columns == 0:
                paragraph = document.add_paragraph()
                for stop in range(1, columns):
                    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(CONTENT_WIDTH_CM * stop / columns))
            else:
                paragraph.add_run("\t")
            letter = paragraph.add_run(f"{chr(ord('A') + i)}.")
            if correct:
                letter.font.underline, letter.font.color.rgb = True, RED_COLOR
            if columns == 1:
                add_html(document, option.get("text") or "", images, first=paragraph, mark=correct)
            else:
                paragraph.add_run(" ")
                _add_runs(paragraph, html_blocks(option.get("text") or "")[0].runs, images, correct)
    elif kind == "true_false_group":
        for i, statement in enumerate(body.get("statements") or []):
            paragraph = document.add_paragraph()
            correct = with_key and bool(statement.get("correct"))
            letter = paragraph.add_run(f"{chr(ord('a') + i)})")
            if correct:
                letter.font.underline, letter.font.color.rgb = True, RED_COLOR
            add_html(document, statement.get("text") or "", images, first=paragraph, mark=correct)
    elif kind in ("short_answer", "true_false") and with_key:
        value = "; ".join(_answer_texts(body, warnings)) if kind == "short_answer" else key_value(body)
        document.add_paragraph().add_run(f"Đáp án: {value}")
    if with_key and body.get("explanation"):
        paragraph = document.add_paragraph()
        paragraph.add_run("Lời giải:").bold = True
        add_html(document, body["explanation"], images, first=paragraph)


def add_key_tables(document, parts: list[tuple[str, list[tuple[int, dict]]]]) -> None:
    """Per part, a table of rows "Câu | 1 | 2 …" over "Đáp án | A | C …" (essays have no key)."""
    for label, numbered in parts:
        rows = [(n, key_value(body)) for n, body in numbered if key_value(body)]
        if not rows:
            continue
        document.add_paragraph().add_run(f"PHẦN {label}").bold = True
        chunks = [rows[i:i + KEY_COLUMNS] for i in range(0, len(rows), KEY_COLUMNS)]
        table = document.add_table(rows=2 * len(chunks), cols=KEY_COLUMNS + 1)
        table.style = "Table Grid"
        for c, chunk in enumerate(chunks):
            table.cell(2 * c, 0).text = "Câu"
            table.cell(2 * c + 1, 0).text = "Đáp án"
            for j, (number, value) in enumerate(chunk, 1):
                table.cell(2 * c, j).text = str(number)
                table.cell(2 * c + 1, j).text = value


def new_document():
    """A blank A4 document in Times New Roman 12, the font of Vietnamese papers."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    style.paragraph_format.space_after = Pt(2)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(1.5)
    return document


def group_parts(entries: list[tuple[int, dict, dict, list]]) -> list[tuple[str, str, list]]:
    """Consecutive entries grouped by part kind, each group labelled I, II, … in order of appearance."""
    groups: list[tuple[str, str, list]] = []
    for entry in entries:
        kind = PART_OF_TYPE[entry[1]["type"]]
        if not groups or groups[-1][1] != kind:
            groups.append((_ROMAN[min(len(groups), len(_ROMAN) - 1)], kind, []))
        groups[-1][2].append(entry)
    return groups


def write_parts(document, entries, with_key: bool, loader=None) -> list[str]:
    """Write the PHẦN headings and questions; returns warnings (images that could not be embedded...)."""
    warnings: list[str] = []
    headings = dict(PARTS)
    for label, kind, group in group_parts(entries):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"PHẦN {label}. {headings[kind]}").bold = True
        for number, body, meta, images in group:
            source = ImageSource(images, loader)
            write_question(document, number, body, meta, source, with_key, warnings)
            warnings.extend(f"Câu {number}: không nhúng được hình ảnh {src[:80]}" for src in source.missing)
            warnings.extend(f"Câu {number}: công thức {latex[:80]} không chuyển được thành phương trình Word, "
                            "giữ nguyên dạng LaTeX" for latex in source.unconverted)
    return warnings


def export_questions(items: list[dict], with_key: bool = True, loader=None) -> tuple[bytes, list[ImportProblem]]:
    """Items ``{"body", "meta", "images"?}`` in the paper layout, numbered from 1 within each part."""
    entries = []
    ordered = sorted(enumerate(items, 1), key=lambda e: [k for k, _ in PARTS].index(
        PART_OF_TYPE[e[1]["body"]["type"]]))
    counters: dict[str, int] = {}
    item_of_entry = []
    for item_number, item in ordered:
        kind = PART_OF_TYPE[item["body"]["type"]]
        counters[kind] = counters.get(kind, 0) + 1
        entries.append((counters[kind], item["body"], item.get("meta") or {}, item.get("images") or []))
        item_of_entry.append(item_number)
    document = new_document()
    warnings = write_parts(document, entries, with_key, loader)
    if with_key and entries:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        heading = document.add_paragraph()
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.add_run("BẢNG ĐÁP ÁN").bold = True
        add_key_tables(document, [(label, [(n, body) for n, body, _, _ in group])
                                  for label, _, group in group_parts(entries)])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), [ImportProblem(None, None, w) for w in warnings]
