"""Word list numbering rendered as text, the way Word shows it, for the DOCX question importer.

Teachers often number "Câu %1." and "A." with Word's automatic numbering, so the number is not in the text of
the paragraph: :class:`Numbering` follows the numbering definitions, paragraph styles, list-style links,
restarts and levels to print it as Word does.
"""
from __future__ import annotations

from question_bank.formats.docx_math import W

_W = "{%s}" % W


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


class Numbering:
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
        #: Whether the paragraph :meth:`prefix` last looked at is a bullet-list item.
        self.bullet = False
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
        """The rendered number of a paragraph ("" for bullets, unnumbered paragraphs and numId 0); afterwards
        :attr:`bullet` tells whether the paragraph was a bullet-list item."""
        self.bullet = False
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
            self.bullet = level.fmt == "bullet"
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
