"""Reading a .docx safely into a flat list of blocks of rich text, for the DOCX question importer.

The importer must see what the teacher sees: Word auto-numbering ("Câu %1.") rendered as text, runs split
in the middle of words joined, the formatting teachers use to mark answers (underline, red, bold,
highlight) kept per character, equations (Word's own and MathType objects) converted to LaTeX and pictures
pulled out of the package. The result is the rich-text model of :mod:`docx_rich`; numbering is rendered by
:mod:`docx_numbering`.
"""
from __future__ import annotations

import io
import posixpath
import unicodedata

from question_bank.formats import legacy_vietnamese
from question_bank.formats.base import (
    ImageBlob, ImportRejected, guess_content_type, open_safe_zip, read_zip_member,
)
from question_bank.formats.docx_math import M, W, omml_to_latex
from question_bank.formats.docx_numbering import Numbering
from question_bank.formats.docx_omml import LATEX_TAG, latex_of_control
from question_bank.formats.docx_rich import (
    BOLD, HIGHLIGHT, IMAGE_CHAR, ITALIC, MATH_CHAR, RED, SUB, SUP, UNDERLINE, Cell, Package, Para, Piece, Rich,
    Table,
)
from question_bank.formats.metafile import kind_of as metafile_kind
from question_bank.formats.metafile import to_png
from question_bank.formats.mtef import MtefError, ole_equation_to_latex

_W = "{%s}" % W
_M = "{%s}" % M
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_V = "{urn:schemas-microsoft-com:vml}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_O = "{urn:schemas-microsoft-com:office:office}"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FALSE = ("0", "false", "off", "none")
# Symbol-font code points Word stores in w:sym for Greek letters and operators typed from Insert > Symbol.
_SYMBOL_FONT = dict(zip(range(0x61, 0x7B), "αβχδεφγηιϕκλμνοπθρστυϖωξψζ"))
_SYMBOL_FONT.update(zip(range(0x41, 0x5B), "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ"))
_SYMBOL_FONT.update({0xA3: "≤", 0xB3: "≥", 0xB9: "≠", 0xB1: "±", 0xB4: "×", 0xB8: "÷", 0xB0: "°", 0xDE: "⇒",
                     0xDB: "⇔", 0xAE: "→", 0xA5: "∞", 0xD6: "√", 0xCE: "∈", 0xCF: "∉", 0xC7: "∩", 0xC8: "∪",
                     0xC6: "∅", 0xBB: "≈", 0xBA: "≡", 0xA2: "′", 0xD0: "∠", 0x5E: "⊥", 0x2D: "−"})


def open_package(data: bytes, max_bytes: int):
    """Check the raw bytes and open them with python-docx, or raise ImportRejected with the reason."""
    if len(data) > max_bytes:
        raise ImportRejected(f"Tệp quá lớn: giới hạn là {max_bytes // (1024 * 1024)} MB.")
    if data.startswith(OLE_MAGIC):
        raise ImportRejected("Tệp bị đặt mật khẩu (hoặc là tệp .doc cũ): hãy gỡ mật khẩu và lưu lại dạng .docx.")
    if not data.startswith(b"PK"):
        raise ImportRejected("Tệp không phải tài liệu Word .docx hợp lệ.")
    archive = open_safe_zip(data)  # sizes and ratios are checked before anything is inflated
    names = set(archive.namelist())
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise ImportRejected("Tệp .docx bị hỏng: thiếu nội dung văn bản (word/document.xml).")
    for name in names:
        if name.endswith((".xml", ".rels")):
            head = read_zip_member(archive, name)[:4096]
            # python-docx parses without entity expansion, but a DTD has no business in a .docx at all.
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ImportRejected("Tệp .docx chứa khai báo DTD/thực thể — bị từ chối vì lý do an toàn.")
    import docx  # imported here: only this importer needs python-docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds (KeyError, ValueError, lxml errors) for broken packages
        raise ImportRejected("Tệp .docx bị hỏng, không mở được bằng trình đọc Word.") from None


class Reader:
    """Turns a python-docx Document into :class:`Package` blocks."""

    def __init__(self, document):
        self.document = document
        self.part = document.part
        self.images: dict[str, ImageBlob] = {}
        self._image_names: dict[str, str] = {}
        self._image_pieces: dict[str, list[Piece]] = {}
        self.formula_pictures: dict[str, str] = {}
        self._style_flags: dict[str, int] = {}
        self._styles = {s.get(_W + "styleId"): s for s in document.styles.element.iter(_W + "style")}
        self._numbering = Numbering(self.part, self._styles)
        self._style_fonts: dict[str, str | None] = {}
        self._default_style = next((sid for sid, s in self._styles.items() if s.get(_W + "type") == "paragraph"
                                    and s.get(_W + "default") in ("1", "true", "on")), None)
        defaults = document.styles.element.find(f"{_W}docDefaults/{_W}rPrDefault/{_W}rPr")
        self._default_font = self._font_of(defaults, None)
        self._paragraph_font: str | None = None  # the font of the paragraph being read, for its runs

    def read(self) -> Package:
        """All top-level paragraphs and tables, numbered from 1 in body order."""
        blocks: list = []
        for element in _body_children(self.document.element.body):
            if element.tag == _W + "p":
                blocks.append(Para(self.paragraph(element), len(blocks) + 1))
            elif element.tag == _W + "tbl":
                table = self.table(element)
                table.index = len(blocks) + 1
                blocks.append(table)
        self._metafiles_to_png()
        return Package(blocks, self.images, self.formula_pictures)

    def _metafiles_to_png(self) -> None:
        """Turn WMF/EMF pictures (formula previews, clip art) into PNG in one batch, renaming them."""
        pictures = {name: blob.data for name, blob in self.images.items() if metafile_kind(blob.data)}
        if not pictures:
            return
        for name, png in to_png(pictures).items():
            new_name = name.rsplit(".", 1)[0] + ".png"
            del self.images[name]
            self.images[new_name] = ImageBlob(new_name, "image/png", png)
            for piece in self._image_pieces.get(name, []):
                piece.image = new_name
            if name in self.formula_pictures:
                self.formula_pictures[new_name] = self.formula_pictures.pop(name)

    # -- formatting --------------------------------------------------------------------------------
    def _flags_of(self, rpr, base: int = 0) -> int:
        """Flags of an ``w:rPr`` (its character style first, then direct formatting) applied over ``base``."""
        on = base
        if rpr is None:
            return on
        style = rpr.find(_W + "rStyle")
        if style is not None:
            on |= self._style(style.get(_W + "val"))
        for tag, flag in (("b", BOLD), ("i", ITALIC)):
            node = rpr.find(_W + tag)
            if node is not None:
                on = on & ~flag if node.get(_W + "val", "1").lower() in _FALSE else on | flag
        node = rpr.find(_W + "u")
        if node is not None:
            on = on & ~UNDERLINE if node.get(_W + "val", "single").lower() in _FALSE else on | UNDERLINE
        node = rpr.find(_W + "color")
        if node is not None:
            on = on | RED if _is_red(node.get(_W + "val", "")) else on & ~RED
        node = rpr.find(_W + "highlight")
        if node is not None:
            on = on & ~HIGHLIGHT if node.get(_W + "val", "none").lower() in _FALSE else on | HIGHLIGHT
        node = rpr.find(_W + "vertAlign")
        if node is not None:
            value = node.get(_W + "val", "")
            on = (on & ~(SUP | SUB)) | (SUP if value == "superscript" else SUB if value == "subscript" else 0)
        return on

    def _font_of(self, rpr, base: str | None) -> str | None:
        """The font a run's text is drawn in: its own, else its character style's, else ``base``. Only the
        font's name matters here: text in the pre-Unicode Vietnamese fonts must be decoded by it."""
        if rpr is None:
            return base
        fonts = rpr.find(_W + "rFonts")
        if fonts is not None:
            # Vietnamese letters are outside ASCII, so Word draws them in the hAnsi font.
            name = fonts.get(_W + "hAnsi") or fonts.get(_W + "ascii")
            if name:
                return name
        style = rpr.find(_W + "rStyle")
        if style is not None:
            return self._style_font(style.get(_W + "val")) or base
        return base

    def _style_font(self, style_id: str | None) -> str | None:
        """The font a style (with its ``basedOn`` chain) sets, or None when it sets none."""
        if not style_id:
            return None
        if style_id not in self._style_fonts:
            self._style_fonts[style_id] = None  # a style based on itself must not recurse forever
            style = self._styles.get(style_id)
            font = None
            if style is not None:
                based = style.find(_W + "basedOn")
                inherited = self._style_font(based.get(_W + "val")) if based is not None else None
                font = self._font_of(style.find(_W + "rPr"), inherited)
            self._style_fonts[style_id] = font
        return self._style_fonts[style_id]

    def _style(self, style_id: str | None) -> int:
        """Run flags a paragraph or character style (with its ``basedOn`` chain) sets."""
        if not style_id:
            return 0
        if style_id not in self._style_flags:
            # Placeholder first: a style that is (indirectly) based on itself must not recurse forever.
            self._style_flags[style_id] = 0
            style = self._styles.get(style_id)
            flags = 0
            if style is not None:
                based = style.find(_W + "basedOn")
                if based is not None:
                    flags = self._style(based.get(_W + "val"))
                flags = self._flags_of(style.find(_W + "rPr"), flags)
            self._style_flags[style_id] = flags
        return self._style_flags[style_id]

    # -- content -----------------------------------------------------------------------------------
    def paragraph(self, p) -> Rich:
        """The paragraph's pieces, with its auto-number ("Câu 3.", "A.") as leading text."""
        ppr = p.find(_W + "pPr")
        base = 0
        pieces: list[Piece] = []
        style_id = self._default_style
        if ppr is not None:
            pstyle = ppr.find(_W + "pStyle")
            if pstyle is not None:
                style_id = pstyle.get(_W + "val")
                base = self._style(style_id)
            prefix = self._numbering.prefix(ppr)
            if prefix:
                pieces.append(Piece(prefix))
            bullet = self._numbering.bullet
        else:
            bullet = False
        self._paragraph_font = self._style_font(style_id) or self._default_font
        self._inline(p, base, pieces)
        return Rich(pieces, bullet=bullet)

    def _inline(self, parent, base: int, pieces: list[Piece]) -> None:
        for child in parent:
            tag = child.tag
            if tag == _W + "r":
                self._run(child, base, pieces)
            elif tag == _M + "oMath" or tag == _M + "oMathPara":
                pieces.append(Piece(MATH_CHAR, base, math=omml_to_latex(child), display=tag == _M + "oMathPara"))
            elif tag == _W + "sdt" and self._tagged_equation(child, base, pieces):
                continue
            elif tag in (_W + "hyperlink", _W + "smartTag", _W + "ins", _W + "sdt", _W + "sdtContent",
                         _W + "fldSimple", _W + "customXml", _W + "moveTo"):
                self._inline(child, base, pieces)

    def _tagged_equation(self, control, base: int, pieces: list[Piece]) -> bool:
        """An exported equation whose content control still holds the LaTeX it was made from (see
        :data:`docx_omml.LATEX_TAG`): that LaTeX, exactly as the teacher typed it. False for anything else."""
        tag = control.find(f"{_W}sdtPr/{_W}tag")
        value = tag.get(_W + "val", "") if tag is not None else ""
        content = control.find(_W + "sdtContent")
        if not value.startswith(LATEX_TAG) or content is None or len(content) != 1 \
                or content[0].tag not in (_M + "oMath", _M + "oMathPara"):
            return False
        source = latex_of_control(value[len(LATEX_TAG):], content[0], omml_to_latex)
        if source is None:
            return False
        pieces.append(Piece(MATH_CHAR, base, math=source, display=content[0].tag == _M + "oMathPara"))
        return True

    def _run(self, run, base: int, pieces: list[Piece]) -> None:
        rpr = run.find(_W + "rPr")
        flags = self._flags_of(rpr, base)
        legacy = legacy_vietnamese.encoding_of_font(self._font_of(rpr, self._paragraph_font))
        for child in run:
            tag = child.tag
            if tag == _W + "t":
                text = legacy_vietnamese.decode(child.text or "", legacy)
                pieces.append(Piece(unicodedata.normalize("NFC", text), flags))
            elif tag == _W + "tab":
                pieces.append(Piece("\t", flags))
            elif tag in (_W + "br", _W + "cr"):
                pieces.append(Piece("\n", flags))
            elif tag == _W + "noBreakHyphen":
                pieces.append(Piece("-", flags))
            elif tag == _W + "sym":
                code = int(child.get(_W + "char", "0"), 16) & 0xFF
                pieces.append(Piece(_SYMBOL_FONT.get(code, chr(code) if code >= 0x20 else ""), flags))
            elif tag == _W + "object":
                self._object(child, flags, pieces)
            elif tag in (_W + "drawing", _W + "pict", _MC + "AlternateContent"):
                self._picture(child, flags, pieces)

    def _object(self, element, flags: int, pieces: list[Piece]) -> None:
        """An embedded object: a MathType / Equation 3.0 formula becomes LaTeX; when it cannot, or for any
        other object, its picture is kept (and a formula's picture is remembered to be reported)."""
        ole = element.find(_O + "OLEObject")
        if ole is None or not (ole.get("ProgID") or "").startswith("Equation."):
            self._picture(element, flags, pieces)
            return
        try:
            latex = ole_equation_to_latex(self.part.related_parts[ole.get(_R + "id")].blob)
        except (KeyError, AttributeError):
            reason = "thiếu dữ liệu công thức trong tệp"
        except MtefError as error:
            reason = str(error)
        else:
            if latex:
                pieces.append(Piece(MATH_CHAR, flags, math=latex))
            return
        before = len(pieces)
        self._picture(element, flags, pieces)
        if len(pieces) > before and pieces[-1].image:
            self.formula_pictures[pieces[-1].image] = reason

    def _picture(self, element, flags: int, pieces: list[Piece]) -> None:
        if element.tag == _MC + "AlternateContent":
            choice = element.find(_MC + "Choice")
            element = choice if choice is not None else element
        rid = None
        for blip in element.iter(_A + "blip"):
            rid = blip.get(_R + "embed")
            break
        if rid is None:
            for data in element.iter(_V + "imagedata"):
                rid = data.get(_R + "id")
                break
        if rid is None:
            return  # a shape or text box without a picture
        piece = Piece(IMAGE_CHAR, flags, image=self._image(rid))
        self._image_pieces.setdefault(piece.image, []).append(piece)
        pieces.append(piece)

    def _image(self, rid: str) -> str:
        """Name of the picture behind relationship ``rid`` ("" when the package does not contain it)."""
        if rid in self._image_names:
            return self._image_names[rid]
        try:
            part = self.part.related_parts[rid]
            blob = part.blob
        except (KeyError, AttributeError):
            self._image_names[rid] = ""
            return ""
        ext = posixpath.splitext(str(part.partname))[1].lower() or ".bin"
        name = f"image{len(self.images) + 1}{ext}"
        content_type = getattr(part, "content_type", None) or guess_content_type(name)
        self.images[name] = ImageBlob(name, content_type, blob)
        self._image_names[rid] = name
        return name

    def table(self, tbl) -> Table:
        """A table with merged cells resolved to colspan/rowspan."""
        grid: list[list[tuple[int, Cell, str | None]]] = []
        for tr in tbl.findall(_W + "tr"):
            row, col = [], 0
            for tc in tr.findall(_W + "tc"):
                tcpr = tc.find(_W + "tcPr")
                span, merge = 1, None
                if tcpr is not None:
                    node = tcpr.find(_W + "gridSpan")
                    span = int(node.get(_W + "val", "1")) if node is not None else 1
                    node = tcpr.find(_W + "vMerge")
                    merge = None if node is None else node.get(_W + "val", "continue")
                blocks: list = []
                for child in tc:
                    if child.tag == _W + "p":
                        blocks.append(self.paragraph(child))
                    elif child.tag == _W + "tbl":
                        blocks.append(self.table(child))
                row.append((col, Cell(blocks, span), merge))
                col += span
            grid.append(row)
        rows: list[list[Cell]] = []
        for r, row in enumerate(grid):
            out = []
            for col, cell, merge in row:
                if merge == "continue":
                    continue
                if merge == "restart":
                    below = r + 1
                    while below < len(grid) and any(c == col and m == "continue" for c, _, m in grid[below]):
                        below += 1
                    cell.rowspan = below - r
                out.append(cell)
            rows.append(out)
        return Table(rows)


def _is_red(value: str) -> bool:
    """FF0000-ish: a strong red channel and weak green/blue (Word's "Red" and the darker red both count)."""
    if len(value) != 6:
        return False
    try:
        r, g, b = int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except ValueError:
        return False
    return r >= 0xC0 and g <= 0x60 and b <= 0x60


def _body_children(body):
    for child in body:
        if child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _body_children(content)
        else:
            yield child
