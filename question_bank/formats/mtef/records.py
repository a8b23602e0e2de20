"""MTEF records (the binary inside a MathType / Equation Editor 3.0 object) read into a small tree.

Two versions exist in Word files: MTEF 3 (Equation Editor 3.0, ``Equation.3``; record options in the tag's high
nibble, template selectors 0–48) and MTEF 5 (MathType 4 and later, ``Equation.DSMT4``; options in their own
byte, selectors 0–37). Both are read into the same nodes, with MTEF 3 selectors translated to the MTEF 5 ones,
so the LaTeX writer knows one template numbering. Records that only affect appearance (sizes, fonts, colours,
rulers, preferences) are read past; anything the reader cannot make sense of raises :class:`MtefError`, and the
caller keeps the formula's picture instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field

END, LINE, CHAR, TMPL, PILE, MATRIX, EMBELL, RULER = 0, 1, 2, 3, 4, 5, 6, 7
FONT_STYLE_DEF, SIZE, FULL, SUB, SUB2, SYM, SUBSYM = 8, 9, 10, 11, 12, 13, 14
COLOR, COLOR_DEF, FONT_DEF, EQN_PREFS, ENCODING_DEF = 15, 16, 17, 18, 19
FUTURE, MT_COMMENT = 100, 102

_OPT_NUDGE = 0x08
_OPT_CHAR_EMBELL, _OPT_CHAR_FUNC_START = 0x01, 0x02
_OPT_CHAR_ENC_CHAR_8, _OPT_CHAR_ENC_CHAR_16, _OPT_CHAR_ENC_NO_MTCODE = 0x04, 0x10, 0x20
_OPT_LINE_NULL, _OPT_LP_RULER, _OPT_LINE_LSPACE = 0x01, 0x02, 0x04
_V3_AUTO, _V3_EMBELL = 0x01, 0x02
_COLOR_CMYK, _COLOR_NAME = 0x01, 0x04
#: Deepest nesting accepted: a real formula is a few levels deep; a crafted one must not exhaust the stack.
MAX_DEPTH = 60


class MtefError(ValueError):
    """The equation data is truncated, of an unknown version or uses a record this reader does not know."""


@dataclass
class Char:
    typeface: int        #: 1 text, 2 function, 3 variable, 4/5 Greek, 6 symbol, 7 vector, 8 number, ... (<=0 a font)
    code: int            #: MTCode: Unicode, or MathType's private-use code points
    embells: list[int] = field(default_factory=list)
    func_start: bool = False


@dataclass
class Line:
    items: list = field(default_factory=list)  #: Char, Template, Pile, Matrix
    null: bool = False


@dataclass
class Template:
    selector: int        #: MTEF 5 numbering (tmPAREN = 1, tmROOT = 10, tmFRACT = 11, ...)
    variation: int       #: MTEF 5 variation bits
    items: list = field(default_factory=list)  #: slots (Line/Pile/Matrix) and characters in file order

    @property
    def slots(self) -> list:
        return [item for item in self.items if not isinstance(item, Char)]

    @property
    def chars(self) -> list:
        return [item for item in self.items if isinstance(item, Char)]


@dataclass
class Pile:
    halign: int
    lines: list = field(default_factory=list)


@dataclass
class Matrix:
    rows: int
    cols: int
    cells: list = field(default_factory=list)


@dataclass
class Equation:
    version: int
    lines: list  #: top-level Line / Pile objects (a multi-line equation is a Pile)


class _Bytes:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def u8(self) -> int:
        if self.pos >= len(self.data):
            raise MtefError("dữ liệu công thức bị cắt cụt")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def u16(self) -> int:
        return self.u8() | (self.u8() << 8)

    def uint(self) -> int:
        """MTEF 5's variable-length unsigned integer (one byte, or 0xFF and two more)."""
        first = self.u8()
        return first if first < 0xFF else self.u16()

    def cstring(self) -> str:
        end = self.data.find(b"\x00", self.pos)
        if end < 0:
            raise MtefError("dữ liệu công thức bị cắt cụt")
        text = self.data[self.pos:end].decode("latin-1")
        self.pos = end + 1
        return text

    def skip(self, count: int) -> None:
        if self.pos + count > len(self.data):
            raise MtefError("dữ liệu công thức bị cắt cụt")
        self.pos += count


def parse(mtef: bytes) -> Equation:
    """The equation tree of MTEF data (the ``Equation Native`` stream without its 28-byte OLE header)."""
    reader = _Bytes(mtef)
    version = reader.u8()
    if version not in (3, 4, 5):
        raise MtefError(f"phiên bản MTEF {version} chưa được hỗ trợ")
    reader.skip(4)  # platform, product, product version, product subversion
    if version >= 5:
        reader.cstring()  # application key ("DSMT4", "DSMT6"...)
        reader.u8()       # equation options (inline or display)
        parser: _Parser = _Parser5(reader)
    elif version == 4:
        reader.u8()       # equation options
        parser = _Parser5(reader)
    else:
        parser = _Parser3(reader)
    return Equation(version, parser.list(0))


class _Parser:
    """What MTEF 3 and 5 share; each version reads its own tags, characters and templates."""

    def __init__(self, reader: _Bytes):
        self.r = reader

    def list(self, depth: int) -> list:
        """Objects up to the END record that closes the current list."""
        if depth > MAX_DEPTH:
            raise MtefError("công thức lồng nhau quá sâu")
        items = []
        while True:
            kind, options = self.tag()
            if kind == END:
                return items
            item = self.record(kind, options, depth)
            if item is not None:
                items.append(item)

    def nudge(self, options: int) -> None:
        if options & _OPT_NUDGE:
            dx, dy = self.r.u8(), self.r.u8()
            if dx == 128 and dy == 128:
                self.r.skip(4)

    def ruler(self) -> None:
        self.r.u8()  # tag of the RULER record
        self.r.skip(3 * self.r.u8())

    def record(self, kind: int, options: int, depth: int):
        r = self.r
        if kind == LINE:
            self.nudge(options)
            if options & _OPT_LINE_LSPACE:
                r.u16()
            if options & _OPT_LP_RULER:
                self.ruler()
            if options & _OPT_LINE_NULL:
                return Line(null=True)
            return Line(self.list(depth + 1))
        if kind == CHAR:
            return self.char(options, depth)
        if kind == TMPL:
            return self.template(options, depth)
        if kind == PILE:
            self.nudge(options)
            halign = r.u8()
            r.u8()  # vertical alignment
            if options & _OPT_LP_RULER:
                self.ruler()
            return Pile(halign, self.list(depth + 1))
        if kind == MATRIX:
            self.nudge(options)
            r.skip(3)  # vertical alignment, horizontal and vertical justification
            rows, cols = r.u8(), r.u8()
            # Partition line types: two bits for each of rows+1 (then cols+1) lines, padded to a byte.
            r.skip((rows + 4) // 4 + (cols + 4) // 4)
            return Matrix(rows, cols, self.list(depth + 1))
        if kind == EMBELL:
            self.nudge(options)
            return ("embell", self.embell_type())
        if kind == RULER:
            r.skip(3 * r.u8())
            return None
        if kind == SIZE:
            select = r.u8()
            if select == 101:
                r.u16()
            elif select == 100:
                r.u8()
                r.u16()
            else:
                r.u8()
            return None
        if kind in (FULL, SUB, SUB2, SYM, SUBSYM):
            return None
        return self.other(kind, options)

    def other(self, kind: int, options: int):
        raise MtefError(f"bản ghi MTEF loại {kind} không xác định")

    def embell_type(self) -> int:
        return self.r.u8()

    def embellishments(self, depth: int) -> list[int]:
        return [item[1] for item in self.list(depth + 1) if isinstance(item, tuple) and item[0] == "embell"]


#: MTEF 5 records whose tag is followed by an options byte (the others start with their data).
_WITH_OPTIONS = {LINE, CHAR, TMPL, PILE, MATRIX, EMBELL, COLOR_DEF, EQN_PREFS}


class _Parser5(_Parser):
    def tag(self) -> tuple[int, int]:
        kind = self.r.u8()
        return kind, (self.r.u8() if kind in _WITH_OPTIONS else 0)

    def char(self, options: int, depth: int) -> Char:
        r = self.r
        self.nudge(options)
        typeface = r.u8() - 128
        code = r.u16() if not options & _OPT_CHAR_ENC_NO_MTCODE else 0
        if options & _OPT_CHAR_ENC_CHAR_8:
            font_position = r.u8()
            code = code or font_position
        elif options & _OPT_CHAR_ENC_CHAR_16:
            font_position = r.u16()
            code = code or font_position
        embells = self.embellishments(depth) if options & _OPT_CHAR_EMBELL else []
        return Char(typeface, code, embells, bool(options & _OPT_CHAR_FUNC_START))

    def template(self, options: int, depth: int) -> Template:
        r = self.r
        self.nudge(options)
        selector = r.u8()
        variation = r.u8()
        if variation & 0x80:
            variation = (variation & 0x7F) | (r.u8() << 8)
        r.u8()  # template-specific options (fence alignment, expanding integrals)
        return Template(selector, variation, self.list(depth + 1))

    def other(self, kind: int, options: int):
        r = self.r
        if kind == FONT_STYLE_DEF:
            r.uint()
            r.u8()
        elif kind == COLOR:
            r.uint()
        elif kind == COLOR_DEF:
            r.skip(2 * (4 if options & _COLOR_CMYK else 3))
            if options & _COLOR_NAME:
                r.cstring()
        elif kind == FONT_DEF:
            r.uint()
            r.cstring()
        elif kind == EQN_PREFS:
            self.preferences()
        elif kind == ENCODING_DEF:
            r.cstring()
        elif kind == MT_COMMENT:
            r.skip(r.uint())
        elif kind >= FUTURE:
            r.skip(r.uint())
        else:
            raise MtefError(f"bản ghi MTEF loại {kind} không xác định")
        return None

    def preferences(self) -> None:
        """EQN_PREFS: sizes and spaces are lists of nibble-coded values, each list padded to a byte."""
        for _ in range(2):
            count = self.r.u8()
            nibbles = self._nibbles()
            for _entry in range(count):
                next(nibbles)  # unit
                while next(nibbles) != 0xF:
                    pass
        for _ in range(self.r.u8()):
            if self.r.u8():
                self.r.u8()

    def _nibbles(self):
        while True:
            byte = self.r.u8()
            yield byte >> 4
            yield byte & 0xF


class _Parser3(_Parser):
    def tag(self) -> tuple[int, int]:
        byte = self.r.u8()
        return byte & 0x0F, byte >> 4

    def char(self, options: int, depth: int) -> Char:
        self.nudge(options)
        typeface = self.r.u8() - 128
        code = self.r.u16()
        embells = self.embellishments(depth) if options & _V3_EMBELL else []
        return Char(typeface, code, embells, bool(options & _V3_AUTO))

    def embell_type(self) -> int:
        kind = self.r.u8()
        self.r.u8()  # Equation Editor 3.0 writes a second, unused byte after the embellishment type
        return kind

    def template(self, options: int, depth: int) -> Template:
        self.nudge(options)
        selector, variation = self.r.u8(), self.r.u8()
        self.r.u8()  # template-specific options
        items = self.list(depth + 1)
        new_selector, new_variation = _v3_template(selector, variation)
        return Template(new_selector, new_variation, items)

    def other(self, kind: int, options: int):
        if kind == FONT_STYLE_DEF:  # MTEF 3's FONT record: typeface, style, name
            self.r.skip(2)
            self.r.cstring()
            return None
        raise MtefError(f"bản ghi MTEF 3 loại {kind} không xác định")


# MTEF 5 variation bits used when translating MTEF 3 templates.
FENCE_L, FENCE_R = 0x1, 0x2
BO_LOWER, BO_UPPER, BO_SUM = 0x10, 0x20, 0x40
SU_PRECEDES = 0x1
_V3_FENCE = {0: FENCE_L | FENCE_R, 1: FENCE_L, 2: FENCE_R}
#: MTEF 3 interval templates (8–12) as (left, right) fence characters, carried in the variation.
V3_INTERVALS = {8: "[[", 9: "]]", 10: "][", 11: "[)", 12: "(]"}
_V3_BIGOPS = {29: 16, 30: 16, 31: 17, 32: 17, 33: 18, 34: 18, 35: 19, 36: 19, 37: 20, 38: 20}


def _v3_template(selector: int, variation: int) -> tuple[int, int]:
    """The MTEF 5 (selector, variation) of an MTEF 3 template."""
    limits = {0: BO_LOWER, 1: BO_LOWER | BO_UPPER, 2: 0}
    if selector <= 7:
        return selector, _V3_FENCE.get(variation, FENCE_L | FENCE_R)
    if selector <= 12:
        return 9, 0x1000 + selector  # an interval; the writer reads V3_INTERVALS from the low byte
    if selector == 13:
        return 10, variation
    if selector == 14:
        return 11, 0x1 if variation == 1 else 0
    if selector in (15, 44):
        script = {0: 28, 1: 27}.get(variation, 29)
        return script, SU_PRECEDES if selector == 44 else 0
    if selector in (16, 17):
        return selector - 4, variation
    if selector in (18, 19, 20):
        direction = {18: 0x10, 19: 0x20, 20: 0x30}[selector]
        return 14, direction | (0x8 if variation == 1 else 0x4)
    if 21 <= selector <= 26:
        count = (selector - 21) % 3 + 1
        bounds = {0: 0, 1: BO_LOWER, 2: BO_LOWER | BO_UPPER, 3: 0, 4: BO_LOWER}.get(variation, 0)
        return 15, count | bounds | (BO_SUM if selector >= 24 else 0)
    if selector in (27, 28):
        return 24, 0x1 if selector == 27 else 0
    if selector in _V3_BIGOPS:
        bounds = limits.get(variation, 0) if selector % 2 else {0: BO_LOWER, 1: BO_LOWER | BO_UPPER}.get(
            variation, 0)
        return _V3_BIGOPS[selector], bounds | (BO_SUM if selector % 2 else 0)
    if selector == 39:
        return 23, {0: BO_UPPER, 1: BO_LOWER, 2: BO_LOWER | BO_UPPER}.get(variation, BO_LOWER)
    if selector == 40:
        return 26, 0x1
    if selector == 41:
        return 11, 0x2 | {1: 0x4, 2: 0x1}.get(variation, 0)
    if selector in (42, 43):
        bounds = {0: BO_LOWER, 1: BO_UPPER, 2: BO_LOWER | BO_UPPER}.get(variation, 0)
        return 21 + selector - 42, bounds | (BO_SUM if selector == 43 else 0)
    if selector == 45:
        return 30, {0: 0x3, 1: 0x1, 2: 0x2}.get(variation, 0x3)
    if selector in (46, 47):
        direction = {0: 0x1, 1: 0x2, 2: 0x3}.get(variation, 0x2)
        return 31, direction | (0x4 if selector == 46 else 0)
    if selector == 48:
        return 37, 0x1E
    raise MtefError(f"mẫu MTEF 3 số {selector} không xác định")
