"""Question HTML written into a Word document: paragraphs, bullet lists, styled runs, simple tables, pictures
and ``$LaTeX$`` as native Word equations, for the DOCX export and printed papers.

Each equation is wrapped in a content control whose tag holds the LaTeX it was made from
(:data:`docx_omml.LATEX_TAG`), so that the importer gets the teacher's spelling back exactly ("$x^2 - 4$", not the
"$x^{2}-4$" read from the equation) — but only while the equation is still the one that LaTeX makes: one
edited in Word is read from the equation itself (:func:`docx_reader.Reader`).
"""
from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from docx.oxml import parse_xml
from docx.shared import Cm, RGBColor

from question_bank.formats.base import ImageBlob
from question_bank.formats.docx_omml import latex_control, latex_to_omml, omml_xml

RED_COLOR = RGBColor(0xFF, 0x00, 0x00)
MAX_IMAGE_WIDTH = Cm(12)

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
    bullet: bool = False  #: an item of a ``<ul>``: written as a Word bullet, read back as ``<li>``


class _HtmlToBlocks(HTMLParser):
    """Sanitised question HTML to paragraphs of styled runs and simple tables (cells as runs)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[_Block] = [_Block()]
        self.styles: list[str] = []
        self.table: list[list[list[_Run]]] | None = None
        self.cell: list[_Run] | None = None
        self.lists: list[str] = []  #: open ``ul``/``ol`` elements, innermost last

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
        elif tag in ("ul", "ol") and self.table is None:
            self.lists.append(tag)
        elif tag in _BLOCK_TAGS and self.table is None:
            self._new_paragraph()
            if tag == "li" and self.lists and self.lists[-1] == "ul":
                self.blocks[-1].bullet = True

    def handle_endtag(self, tag):
        if tag in _FORMAT_TAGS and _FORMAT_TAGS[tag] in self.styles:
            self.styles.remove(_FORMAT_TAGS[tag])
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "table" and self.table is not None:
            self.blocks.append(_Block(table=self.table))
            self.blocks.append(_Block())
            self.table = None
        elif tag in ("ul", "ol") and self.table is None and tag in self.lists:
            del self.lists[len(self.lists) - 1 - self.lists[::-1].index(tag):]
            self._new_paragraph()
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


def add_runs(paragraph, runs: list[_Run], images: ImageSource, mark: bool = False) -> None:
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
            for run in text_and_math(paragraph, part, images):
                _style_run(run, item, mark)
            if i < len(parts) - 1:
                paragraph.add_run().add_break()


MATH = re.compile(r"\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.S)


def text_and_math(paragraph, text: str, images: ImageSource) -> list:
    """Add ``text`` to the paragraph with each ``$…$`` as a Word equation; return the text runs added."""
    runs = []
    position = 0
    for match in MATH.finditer(text):
        source = match.group(1) or match.group(2)
        display = match.group(1) is not None
        element = latex_to_omml(source.strip(), display=display) if source.strip() else None
        if element is None:
            images.unconverted.append(match.group(0))
            continue  # stays in the text of the next run, and is reported
        if match.start() > position:
            runs.append(paragraph.add_run(text[position:match.start()]))
        paragraph._p.append(parse_xml(omml_xml(latex_control(element, source))))
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
            add_runs(table.cell(r, c).paragraphs[0], cell_runs, images)


def add_html(document, markup: str, images: ImageSource, first=None, mark: bool = False) -> None:
    """Write question HTML; the first paragraph continues ``first`` (the "Câu N." line) when given."""
    for block in html_blocks(markup):
        if block.table is not None:
            _add_table(document, block.table, images)
            first = None
            continue
        if block.bullet and first is not None:
            first = None  # a list item is a paragraph of its own, never the tail of the label line
        paragraph = first if first is not None else document.add_paragraph(
            style="List Bullet" if block.bullet else None)
        if first is not None and first.text and not first.text.endswith(" "):
            first.add_run(" ")
        add_runs(paragraph, block.runs, images, mark)
        first = None

