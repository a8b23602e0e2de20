"""The rich text the DOCX importer works on: paragraphs as formatted pieces, tables, the read package.

:class:`Rich` holds one paragraph as pieces with formatting flags; an equation or a picture is a single
placeholder character in :attr:`Rich.plain`, so regular expressions over the text never cut one in half.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field

from question_bank.formats.base import ImageBlob

BOLD, ITALIC, UNDERLINE, RED, HIGHLIGHT, SUP, SUB = 1, 2, 4, 8, 16, 32, 64
#: Flags that mark a correct answer; they are never rendered in option texts (that would leak the key).
ANSWER_MARKS = BOLD | UNDERLINE | RED | HIGHLIGHT
MATH_CHAR, IMAGE_CHAR = "\ue000", "\ue001"


class Piece:
    """A run of text with one set of flags, or one equation (``math``) or picture (``image``)."""

    __slots__ = ("text", "flags", "math", "image", "display")

    def __init__(self, text: str, flags: int = 0, math: str | None = None, image: str | None = None,
                 display: bool = False):
        self.text, self.flags, self.math, self.image, self.display = text, flags, math, image, display


class Rich:
    """One paragraph (or part of one) as formatted pieces; ``plain`` is its text with placeholders."""

    __slots__ = ("pieces", "plain", "bullet")

    def __init__(self, pieces: list[Piece], bullet: bool = False):
        self.pieces = pieces
        self.plain = "".join(p.text for p in pieces)
        #: The paragraph is an item of a Word bullet list (rendered as ``<li>`` in a ``<ul>``).
        self.bullet = bullet

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
        return Rich(out, self.bullet)

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


def blocks_html(items: list, keep_marks: bool, images: set[str]) -> str:
    """Paragraphs/tables as HTML: a single paragraph stays inline, several become ``<p>`` elements and
    consecutive bullet-list paragraphs one ``<ul>``."""
    rendered: list[tuple[str, str]] = []  # (kind: "table" | "p" | "li", markup)
    for item in items:
        if isinstance(item, Table):
            rendered.append(("table", item.html(images)))
        elif item.plain.strip():
            rendered.append(("li" if item.bullet else "p", item.html(keep_marks, images)))
    if len(rendered) == 1 and rendered[0][0] == "p":
        return rendered[0][1]
    out = []
    for index, (kind, markup) in enumerate(rendered):
        if kind == "li":
            opens = index == 0 or rendered[index - 1][0] != "li"
            closes = index == len(rendered) - 1 or rendered[index + 1][0] != "li"
            out.append(("<ul>" if opens else "") + f"<li>{markup}</li>" + ("</ul>" if closes else ""))
        else:
            out.append(markup if kind == "table" else f"<p>{markup}</p>")
    return "".join(out)
