"""Reading a .docx safely into a flat list of blocks of rich text, for the DOCX question importer.

The importer must see what the teacher sees: Word auto-numbering ("Câu %1.") rendered as text, runs split
in the middle of words joined, the formatting teachers use to mark answers (underline, red, bold,
highlight) kept per character, equations converted to LaTeX and pictures pulled out of the package.
:class:`Rich` holds one paragraph as pieces with formatting flags; a maths object or a picture is a single
placeholder character in :attr:`Rich.plain`, so regular expressions over the text never cut one in half.
"""
from __future__ import annotations

import html
import io
import posixpath
import unicodedata
from dataclasses import dataclass, field

from question_bank.formats.base import (
    ImageBlob, ImportRejected, guess_content_type, open_safe_zip, read_zip_member,
)
from question_bank.formats.docx_math import M, W, omml_to_latex
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

BOLD, ITALIC, UNDERLINE, RED, HIGHLIGHT, SUP, SUB = 1, 2, 4, 8, 16, 32, 64
#: Flags that mark a correct answer; they are never rendered in option texts (that would leak the key).
ANSWER_MARKS = BOLD | UNDERLINE | RED | HIGHLIGHT
MATH_CHAR, IMAGE_CHAR = "\ue000", "\ue001"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FALSE = ("0", "false", "off", "none")
# Symbol-font code points Word stores in w:sym for Greek letters and operators typed from Insert > Symbol.
_SYMBOL_FONT = dict(zip(range(0x61, 0x7B), "αβχδεφγηιϕκλμνοπθρστυϖωξψζ"))
_SYMBOL_FONT.update(zip(range(0x41, 0x5B), "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ"))
_SYMBOL_FONT.update({0xA3: "≤", 0xB3: "≥", 0xB9: "≠", 0xB1: "±", 0xB4: "×", 0xB8: "÷", 0xB0: "°", 0xDE: "⇒",
                     0xDB: "⇔", 0xAE: "→", 0xA5: "∞", 0xD6: "√", 0xCE: "∈", 0xCF: "∉", 0xC7: "∩", 0xC8: "∪",
                     0xC6: "∅", 0xBB: "≈", 0xBA: "≡", 0xA2: "′", 0xD0: "∠", 0x5E: "⊥", 0x2D: "−"})


class Piece:
    """A run of text with one set of flags, or one equation (``math``) or picture (``image``)."""

    __slots__ = ("text", "flags", "math", "image", "display")

    def __init__(self, text: str, flags: int = 0, math: str | None = None, image: str | None = None,
                 display: bool = False):
        self.text, self.flags, self.math, self.image, self.display = text, flags, math, image, display


class Rich:
    """One paragraph (or part of one) as formatted pieces; ``plain`` is its text with placeholders."""

    __slots__ = ("pieces", "plain")

    def __init__(self, pieces: list[Piece]):
        self.pieces = pieces
        self.plain = "".join(p.text for p in pieces)

    def slice(self, start: int, end: int | None = None) -> "Rich":
        """The characters ``plain[start:end]`` with their formatting."""
        end = len(self.plain) if end is None else end
        out: list[Piece] = []
        offset = 0
        for piece in self.pieces:
            lo, hi = max(start - offset, 0), min(end - offset, len(piece.text))
            if lo < hi:
                if piece.math is not None or piece.image is not None:
                    out.append(piece)
                else:
                    out.append(Piece(piece.text[lo:hi], piece.flags))
            offset += len(piece.text)
        return Rich(out)

    def strip(self) -> "Rich":
        """Without leading/trailing whitespace (and the tabs/nbsp teachers align options with)."""
        stripped = self.plain.strip()
        if not stripped:
            return Rich([])
        start = self.plain.index(stripped)
        return self.slice(start, start + len(stripped))

    def coverage(self, flag: int) -> float:
        """Share of the visible characters carrying ``flag`` (0 when there is no visible character)."""
        total = marked = 0
        for piece in self.pieces:
            count = 1 if piece.math is not None or piece.image is not None else sum(
                1 for c in piece.text if not c.isspace() and c not in ".:)")
            total += count
            if piece.flags & flag:
                marked += count
        return marked / total if total else 0.0

    @property
    def has_broken_image(self) -> bool:
        return any(p.image == "" for p in self.pieces)

    def text(self) -> str:
        """Plain text with equations as ``$latex$`` (used for answers and answer keys)."""
        return "".join(f"${p.math}$" if p.math is not None else ("" if p.image is not None else p.text)
                       for p in self.pieces).strip()

    def html(self, keep_marks: bool = True, images: set[str] | None = None) -> str:
        """Inline HTML. Without ``keep_marks`` bold/underline (answer marks) are dropped; picture names used
        are added to ``images``."""
        mask = ~0 if keep_marks else ~ANSWER_MARKS
        out: list[str] = []
        for piece in self.pieces:
            if piece.image is not None:
                if piece.image:
                    out.append(f'<img src="cid:{piece.image}">')
                    if images is not None:
                        images.add(piece.image)
                continue
            if piece.math is not None:
                fence = "$$" if piece.display else "$"
                out.append(html.escape(f"{fence}{piece.math}{fence}", quote=False))
                continue
            text = html.escape(piece.text, quote=False).replace("\t", " ").replace("\n", "<br>")
            flags = piece.flags & mask
            for flag, tag in ((SUP, "sup"), (SUB, "sub"), (UNDERLINE, "u"), (ITALIC, "i"), (BOLD, "b")):
                if flags & flag and text.strip():
                    text = f"<{tag}>{text}</{tag}>"
            out.append(text)
        markup = "".join(out)
        # Adjacent runs with the same formatting were separate in Word; join them so markup stays clean.
        for tag in ("b", "i", "u", "sup", "sub"):
            markup = markup.replace(f"</{tag}><{tag}>", "")
        return markup.strip()


@dataclass
class Para:
    rich: Rich
    index: int  #: 1-based position among the body's paragraphs and tables ("đoạn")


@dataclass
class Cell:
    blocks: list  #: Rich paragraphs and nested Table objects
    colspan: int = 1
    rowspan: int = 1

    def rich_lines(self) -> list[Rich]:
        return [b for b in self.blocks if isinstance(b, Rich)]

    def text(self) -> str:
        return " ".join(r.text() for r in self.rich_lines()).strip()


@dataclass
class Table:
    rows: list[list[Cell]]
    index: int = 0

    def html(self, images: set[str] | None = None) -> str:
        """The table as HTML (cell paragraphs joined by ``<br>``)."""
        out = ["<table>"]
        for row in self.rows:
            out.append("<tr>")
            for cell in row:
                attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
                    f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "")
                inner = "<br>".join(b.html(True, images) if isinstance(b, Rich) else b.html(images)
                                    for b in cell.blocks if not isinstance(b, Rich) or b.plain.strip())
                out.append(f"<td{attrs}>{inner}</td>")
            out.append("</tr>")
        out.append("</table>")
        return "".join(out)


@dataclass
class Package:
    blocks: list  #: Para and Table in body order
    images: dict[str, ImageBlob] = field(default_factory=dict)
    #: Pictures standing in for a MathType formula that could not be converted: name -> reason.
    formula_pictures: dict[str, str] = field(default_factory=dict)


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
        self._numbering = _Numbering(self.part, self._styles)

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
        if ppr is not None:
            pstyle = ppr.find(_W + "pStyle")
            if pstyle is not None:
                base = self._style(pstyle.get(_W + "val"))
            prefix = self._numbering.prefix(ppr)
            if prefix:
                pieces.append(Piece(prefix))
        self._inline(p, base, pieces)
        return Rich(pieces)

    def _inline(self, parent, base: int, pieces: list[Piece]) -> None:
        for child in parent:
            tag = child.tag
            if tag == _W + "r":
                self._run(child, base, pieces)
            elif tag == _M + "oMath" or tag == _M + "oMathPara":
                pieces.append(Piece(MATH_CHAR, base, math=omml_to_latex(child), display=tag == _M + "oMathPara"))
            elif tag in (_W + "hyperlink", _W + "smartTag", _W + "ins", _W + "sdt", _W + "sdtContent",
                         _W + "fldSimple", _W + "customXml", _W + "moveTo"):
                self._inline(child, base, pieces)

    def _run(self, run, base: int, pieces: list[Piece]) -> None:
        flags = self._flags_of(run.find(_W + "rPr"), base)
        for child in run:
            tag = child.tag
            if tag == _W + "t":
                pieces.append(Piece(unicodedata.normalize("NFC", child.text or ""), flags))
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


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out += letters
            number -= value
    return out


def _letters(number: int) -> str:
    return chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1)


class _Level:
    """One level of a list definition: number format, text with ``%N`` slots, start value, restart rule."""

    __slots__ = ("fmt", "text", "start", "restart")

    def __init__(self, lvl):
        def value(tag: str, default: str | None = None) -> str | None:
            node = lvl.find(_W + tag)
            return node.get(_W + "val", default) if node is not None else default

        suffix = {"space": " ", "nothing": ""}.get(value("suff") or "", "\t")
        self.fmt = value("numFmt", "decimal")
        self.text = (value("lvlText", "") or "") + suffix
        self.start = _int(value("start", "1"), 1)
        #: A lower level restarts after any higher one (the default) or only after levels above ``restart``;
        #: 0 means never.
        restart = value("lvlRestart")
        self.restart = _int(restart, -1) if restart is not None else -1


def _int(text: str | None, default: int) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


class _Numbering:
    """Word list numbering rendered as text, the way Word shows it, because teachers often number "Câu %1."
    and "A." automatically.

    What Word does and this follows: numbering may come from the paragraph (``w:numPr``) or from its paragraph
    style (and that style's ``basedOn`` chain); a list style (``w:numStyleLink``) points to the definition
    that really holds the levels; every ``w:num`` that uses one abstract definition continues the same
    counters unless it overrides a level's start (a "restart numbering" in Word), which restarts that level
    where the ``w:num`` is first used; ``w:numId`` 0 switches numbering off.
    """

    def __init__(self, part, styles: dict):
        self.styles = styles
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.links: dict[str, str] = {}          #: abstractNumId -> list style it takes its levels from
        self.style_levels: dict[str, tuple[str, int]] = {}  #: style linked from a level -> (abstract, ilvl)
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, _Level]]] = {}
        self.counters: dict[str, list[int]] = {}
        self.started: set[str] = set()
        # Ask for the relationship itself: python-docx's numbering_part would try to create a missing part.
        try:
            from docx.opc.constants import RELATIONSHIP_TYPE  # python-docx is imported lazily, as above

            root = part.part_related_by(RELATIONSHIP_TYPE.NUMBERING).element
        except (KeyError, AttributeError):
            return
        for node in root.iter(_W + "abstractNum"):
            abstract_id = node.get(_W + "abstractNumId")
            levels = {}
            for lvl in node.findall(_W + "lvl"):
                ilvl = _int(lvl.get(_W + "ilvl"), 0)
                levels[ilvl] = _Level(lvl)
                pstyle = lvl.find(_W + "pStyle")
                if pstyle is not None:
                    self.style_levels[pstyle.get(_W + "val")] = (abstract_id, ilvl)
            self.abstract[abstract_id] = levels
            link = node.find(_W + "numStyleLink")
            if link is not None:
                self.links[abstract_id] = link.get(_W + "val")
        for num in root.iter(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            if ref is None:
                continue
            starts: dict[int, int] = {}
            replaced: dict[int, _Level] = {}
            for override in num.findall(_W + "lvlOverride"):
                ilvl = _int(override.get(_W + "ilvl"), 0)
                start = override.find(_W + "startOverride")
                if start is not None:
                    starts[ilvl] = _int(start.get(_W + "val"), 1)
                lvl = override.find(_W + "lvl")
                if lvl is not None:
                    replaced[ilvl] = _Level(lvl)
                    if replaced[ilvl].start and ilvl not in starts and lvl.find(_W + "start") is not None:
                        starts[ilvl] = replaced[ilvl].start
            self.nums[num.get(_W + "numId")] = (ref.get(_W + "val"), starts, replaced)

    def _resolve(self, abstract_id: str, depth: int = 0) -> str:
        """The abstract definition holding the levels (following list-style links, at most a few hops)."""
        link = self.links.get(abstract_id)
        if link is None or depth > 5:
            return abstract_id
        numpr = self._style_numpr(link)
        if numpr is None or numpr[0] not in self.nums:
            return abstract_id
        return self._resolve(self.nums[numpr[0]][0], depth + 1)

    def _style_numpr(self, style_id: str | None, depth: int = 0) -> tuple[str, int | None] | None:
        """``(numId, ilvl or None)`` a paragraph style (or a style it is based on) gives its paragraphs."""
        style = self.styles.get(style_id) if style_id else None
        if style is None or depth > 10:
            return None
        numpr = style.find(f"{_W}pPr/{_W}numPr")
        if numpr is not None:
            num_id = numpr.find(_W + "numId")
            ilvl = numpr.find(_W + "ilvl")
            if num_id is not None:
                return num_id.get(_W + "val"), _int(ilvl.get(_W + "val"), 0) if ilvl is not None else None
        based = style.find(_W + "basedOn")
        return self._style_numpr(based.get(_W + "val") if based is not None else None, depth + 1)

    def prefix(self, ppr) -> str:
        """The rendered number of a paragraph ("" for bullets, unnumbered paragraphs and numId 0)."""
        if not self.nums:
            return ""
        pstyle = ppr.find(_W + "pStyle")
        style_id = pstyle.get(_W + "val") if pstyle is not None else None
        num, ilvl = None, None
        numpr = ppr.find(_W + "numPr")
        if numpr is not None:
            num_node, ilvl_node = numpr.find(_W + "numId"), numpr.find(_W + "ilvl")
            num = num_node.get(_W + "val") if num_node is not None else None
            ilvl = _int(ilvl_node.get(_W + "val"), 0) if ilvl_node is not None else None
        if num is None:
            from_style = self._style_numpr(style_id)
            if from_style is None:
                return ""
            num, style_ilvl = from_style
            ilvl = style_ilvl if ilvl is None else ilvl
        if num == "0" or num not in self.nums:
            return ""
        abstract_id, starts, replaced = self.nums[num]
        abstract_id = self._resolve(abstract_id)
        levels = {**self.abstract.get(abstract_id, {}), **replaced}
        if ilvl is None:
            # A style named by a level (w:pStyle in w:lvl) gives that level; otherwise the first.
            linked = self.style_levels.get(style_id)
            ilvl = linked[1] if linked and linked[0] == abstract_id else 0
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters.setdefault(abstract_id, [None] * 10)
        if num not in self.started:
            # The first paragraph of a w:num that restarts a level starts it again ("Restart at 1").
            self.started.add(num)
            for restarted, value in starts.items():
                if 0 <= restarted < len(counters):
                    counters[restarted] = value - 1
        counters[ilvl] = level.start if counters[ilvl] is None else counters[ilvl] + 1
        for lower in range(ilvl + 1, len(counters)):
            lower_level = levels.get(lower)
            restart = lower_level.restart if lower_level is not None else -1
            # By default a level restarts after any level above it; w:lvlRestart 0 never, N after level N.
            if restart == -1 or (restart > 0 and ilvl < restart):
                counters[lower] = None
        if level.fmt in ("bullet", "none"):
            return ""
        text = level.text
        for index in range(ilvl + 1):
            shown = levels.get(index) or level
            value = counters[index] if counters[index] is not None else shown.start
            rendered = {"upperLetter": _letters(value), "lowerLetter": _letters(value).lower(),
                        "upperRoman": _roman(value), "lowerRoman": _roman(value).lower(),
                        "decimalZero": f"{value:02d}"}.get(shown.fmt, str(value))
            text = text.replace(f"%{index + 1}", rendered)
        return text
