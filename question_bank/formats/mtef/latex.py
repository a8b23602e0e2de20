"""An MTEF equation tree (:mod:`.records`) written as LaTeX.

The output follows what the OMML converter (:mod:`question_bank.formats.docx_math`) writes for the same
construct, so a formula reads the same whether the teacher typed it with MathType or Word's own editor:
``\\frac``, ``\\sqrt[n]``, ``x_{1}^{2}``, ``\\left( \\right)``, systems as ``\\left\\{\\begin{array}{l}…
\\end{array}\\right.``, vectors as ``\\overrightarrow{AB}``, Vietnamese words in ``\\text{}``. A character
in MathType's private range that has no known meaning raises :class:`MtefError`, so the caller keeps the
formula's picture rather than print something wrong.
"""
from __future__ import annotations

import re

from question_bank.formats.docx_math import NARY_COMMANDS, join_latex, math_text
from question_bank.formats.mtef.records import (
    BO_LOWER, BO_UPPER, SU_PRECEDES, V3_INTERVALS, Char, Equation, Line, Matrix, MtefError, Pile, Template,
)

TEXT, FUNCTION, VECTOR, TEXT_FE, MARKER, SPACE = 1, 2, 7, 12, 23, 24
_FUNCTIONS = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "lg", "exp", "lim", "max", "min", "sup",
              "inf", "det", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "coth", "gcd", "deg", "dim",
              "ker", "arg", "Pr", "hom", "liminf", "limsup"}
#: MathType's private-use code points that do carry meaning (spaces, MT Extra symbols, invisible operators).
_PRIVATE = {
    0xEF00: "", 0xEF01: r"\,", 0xEF02: r"\,", 0xEF03: r"\;", 0xEF04: r"\quad", 0xEF05: r"\qquad",
    0xEF06: r"\,", 0xEF07: r"\,", 0xEF08: r"\ ",
    0x2061: "", 0x2062: "", 0x2063: "", 0x2064: "", 0x200B: "",
}
_FENCES = {0: (r"\langle", r"\rangle"), 1: ("(", ")"), 2: (r"\{", r"\}"), 3: ("[", "]"), 4: ("|", "|"),
           5: (r"\|", r"\|"), 6: (r"\lfloor", r"\rfloor"), 7: (r"\lceil", r"\rceil"),
           8: (r"\llbracket", r"\rrbracket")}
_INTERVAL = {0: "(", 1: ")", 2: "[", 3: "]"}
_BIG_OPS = {16: r"\sum", 17: r"\prod", 18: r"\coprod", 19: r"\bigcup", 20: r"\bigcap", 21: r"\int", 22: r"\sum"}
_INTEGRALS = {1: r"\int", 2: r"\iint", 3: r"\iiint"}
_HATS = {32: r"\widetilde", 33: r"\widehat"}
_ALIGN = {1: "l", 2: "c", 3: "r"}
#: Embellishments (MTEF ``emb*`` codes) as (command, kind): kind "accent" wraps, "suffix"/"prefix" add text.
_EMBELLS = {
    2: (r"\dot", "accent"), 3: (r"\ddot", "accent"), 4: (r"\dddot", "accent"), 5: ("'", "suffix"),
    6: ("''", "suffix"), 7: ("'", "prefix"), 8: (r"\tilde", "accent"), 9: (r"\hat", "accent"),
    10: (r"\not", "prefix"), 11: (r"\overrightarrow", "accent"), 12: (r"\overleftarrow", "accent"),
    13: (r"\overleftrightarrow", "accent"), 14: (r"\overrightarrow", "accent"),
    15: (r"\overleftarrow", "accent"), 16: (r"\not", "prefix"), 17: (r"\overline", "accent"),
    18: ("'''", "suffix"), 19: (r"\overset{\frown}", "accent"), 20: (r"\overset{\smile}", "accent"),
    21: (r"\not", "prefix"), 22: (r"\not", "prefix"), 23: (r"\not", "prefix"), 24: (r"\ddddot", "accent"),
    25: (r"\underset{\cdot}", "accent"), 26: (r"\underset{\cdot\cdot}", "accent"),
    27: (r"\underset{\cdot\cdot\cdot}", "accent"), 28: (r"\underset{\cdot\cdot\cdot\cdot}", "accent"),
    29: (r"\underline", "accent"), 30: (r"\underset{\sim}", "accent"), 31: (r"\underset{\frown}", "accent"),
    32: (r"\underset{\smile}", "accent"), 33: (r"\underrightarrow", "accent"),
    34: (r"\underleftarrow", "accent"), 35: (r"\underleftrightarrow", "accent"),
    36: (r"\underrightarrow", "accent"), 37: (r"\underleftarrow", "accent"),
}


def equation_latex(equation: Equation) -> str:
    """LaTeX (without ``$``) for a whole equation; several top-level lines are joined by ``\\\\``."""
    parts = [_object(item) for item in equation.lines]
    return _primes(r" \\ ".join(part for part in parts if part).strip())


_SCRIPTED_PRIMES = re.compile(r"\^\{('{3,})\}")
_PRIMES = re.compile(r"'{3,}")


def _primes(latex: str) -> str:
    """Three or more primes as ``\\prime`` superscripts (LaTeX-to-MathML converters cannot read them)."""
    latex = _SCRIPTED_PRIMES.sub(lambda m: "^{" + r"\prime" * len(m.group(1)) + "}", latex)
    return _PRIMES.sub(lambda m: "^{" + r"\prime" * len(m.group(0)) + "}", latex)


def _group(latex: str) -> str:
    return "{" + latex + "}"


def _object(item) -> str:
    if isinstance(item, Line):
        return "" if item.null else _line(item.items)
    if isinstance(item, Pile):
        return _pile(item)
    if isinstance(item, Matrix):
        return _matrix(item)
    if isinstance(item, Template):
        return _template(item)
    if isinstance(item, Char):
        return _char_run([item])
    return ""


def _char_text(char: Char) -> str:
    """The character itself (Unicode), or "" for markers; an unknown private-use code is an error."""
    code = char.code
    if char.typeface == MARKER:
        return ""
    if char.typeface == SPACE:  # spacing characters: Equation Editor 3.0 codes them 0xEB0n, MathType 0xEF0n
        return "\ue0ff" + chr(0xEF00 | (code & 0x0F if code & 0x0F <= 8 else 2))
    if code in _PRIVATE:
        return "\ue0ff" + chr(code)  # resolved by _char_run to its LaTeX
    if 0xF000 <= code < 0xF034:  # MathType's Fraktur letters: A-Z then a-z
        letter = chr(ord("A") + code - 0xF000) if code < 0xF01A else chr(ord("a") + code - 0xF01A)
        return "\ue0fe" + letter
    if 0xE000 <= code <= 0xF8FF:
        raise MtefError(f"ký tự U+{code:04X} của MathType chưa chuyển được")
    return chr(code)


def _char_run(chars: list[Char]) -> str:
    """LaTeX for consecutive plain characters of one kind (symbols and Vietnamese words handled as in OMML)."""
    out: list[str] = []
    buffer = ""
    for char in chars:
        raw = _char_text(char)
        if raw.startswith("\ue0ff"):
            out.append(math_text(buffer, False))
            out.append(_PRIVATE[ord(raw[1])])
            buffer = ""
        elif raw.startswith("\ue0fe"):
            out.append(math_text(buffer, False))
            out.append(r"\mathfrak{" + raw[1] + "}")
            buffer = ""
        else:
            buffer += raw
    out.append(math_text(buffer, False))
    return join_latex(out)


def _embellished(char: Char) -> str:
    latex = _char_run([char])
    if char.typeface == VECTOR and latex.isalpha():
        latex = r"\mathbf{" + latex + "}"
    for code in char.embells:
        command, kind = _EMBELLS.get(code, ("", "accent"))
        if not command:
            continue
        if kind == "suffix":
            latex += command
        elif kind == "prefix":
            latex = join_latex([command, latex]) if command.startswith("\\") else command + latex
        else:
            latex = command + _group(latex)
    return latex


def _line(items: list) -> str:
    out: list[str] = []
    index = 0
    while index < len(items):
        item = items[index]
        if isinstance(item, Char):
            end = index + 1
            kind = _char_kind(item)
            if kind in ("text", "function", "plain"):
                while end < len(items) and isinstance(items[end], Char) and _char_kind(items[end]) == kind:
                    end += 1
            run = items[index:end]
            out.append(_run(run, kind))
            index = end
            continue
        if isinstance(item, Template) and item.selector in (27, 28, 29) and not item.variation & SU_PRECEDES:
            script = _scripts(item)
            if not out or not out[-1] or out[-1].endswith(("^", "_")):
                out.append("{}")
            out.append(script)
        else:
            out.append(_object(item))
        index += 1
    return join_latex(out)


def _char_kind(char: Char) -> str:
    if char.embells or char.typeface == VECTOR:
        return "single"
    if char.typeface in (TEXT, TEXT_FE):
        return "text"
    if char.typeface == FUNCTION and chr(char.code).isalpha():
        return "function"
    return "plain"


def _run(chars: list[Char], kind: str) -> str:
    if kind == "single":
        return _embellished(chars[0])
    if kind == "text":
        text = "".join(_char_text(c) for c in chars)
        if "\ue0ff" in text or "\ue0fe" in text or not text.strip():
            return _char_run(chars)
        return math_text(text, True)
    if kind == "function":
        name = "".join(chr(c.code) for c in chars)
        if name in _FUNCTIONS:
            return "\\" + name
        # MathType marks "d" of dx or a lone letter as a function too: one letter stays a letter.
        return name if len(name) == 1 else r"\operatorname{" + name + "}"
    return _char_run(chars)


def _slot(template: Template, index: int) -> str:
    slots = template.slots
    return _object(slots[index]) if index < len(slots) else ""


def _scripts(template: Template) -> str:
    sub, sup = _slot(template, 0), _slot(template, 1)
    out = ""
    if template.selector in (27, 29) and sub:
        out += "_" + _group(sub)
    if template.selector in (28, 29) and sup:
        out += "^" + _group(sup)
    if template.selector == 28 and not sup and sub:
        # MTEF 3 writes a lone superscript in the first slot.
        out += "^" + _group(sub)
    return out


def _fence_chars(template: Template) -> tuple[str, str]:
    selector, variation = template.selector, template.variation
    if selector == 9:
        if variation & 0x1000:
            left, right = V3_INTERVALS.get(variation & 0xFF, "()")
        else:
            left, right = _INTERVAL[variation & 0x3], _INTERVAL[(variation >> 4) & 0x3]
        return left, right
    left, right = _FENCES[selector]
    return (left if variation & 0x1 else "."), (right if variation & 0x2 else ".")


def _template(t: Template) -> str:
    s = t.selector
    if s <= 9:
        left, right = _fence_chars(t)
        return join_latex([r"\left" + left, _slot(t, 0), r"\right" + right])
    if s == 10:
        index = _slot(t, 1)
        return r"\sqrt" + (f"[{index}]" if index else "") + _group(_slot(t, 0))
    if s == 11:
        num, den = _slot(t, 0), _slot(t, 1)
        if t.variation & 0x2:
            return _group(num) + "/" + _group(den)
        return r"\frac" + _group(num) + _group(den)
    if s in (12, 13):
        return (r"\underline" if s == 12 else r"\overline") + _group(_slot(t, 0))
    if s == 14:
        return _arrow(t)
    if 15 <= s <= 22:
        return _big_operator(t)
    if s == 23:
        return _limits(_slot(t, 0), _slot(t, 1), _slot(t, 2))
    if s in (24, 25):
        main, label = _slot(t, 0), _slot(t, 1)
        if t.variation & 0x1:
            return r"\overbrace" + _group(main) + ("^" + _group(label) if label else "")
        return r"\underbrace" + _group(main) + ("_" + _group(label) if label else "")
    if s == 26:
        dividend, quotient, divisor = _slot(t, 0), _slot(t, 1), _slot(t, 2)
        body = join_latex([divisor, r"\overline{\smash{)}" + dividend + "}"])
        return r"\begin{array}{l}" + (quotient + r" \\ " if quotient else "") + body + r"\end{array}"
    if s in (27, 28, 29):  # a script written before its base (tvSU_PRECEDES)
        return "{}" + _scripts(t)
    if s == 30:
        # Both slots are always written; a missing part is a null line.
        parts = [r"\langle " + _slot(t, 0) if t.variation & 0x1 else "",
                 r"\mid " if t.variation & 0x3 == 0x3 else "",
                 _slot(t, 1) + r" \rangle" if t.variation & 0x2 else ""]
        return join_latex(parts)
    if s == 31:
        return _vector(t)
    if s in _HATS:
        return _HATS[s] + _group(_slot(t, 0))
    if s == 34:
        return r"\overset{\frown}" + _group(_slot(t, 0))
    if s == 36:
        return r"\cancel" + _group(_slot(t, 0))
    if s == 37:
        return r"\boxed" + _group(_slot(t, 0))
    if s == 35:
        return _slot(t, 0)
    raise MtefError(f"mẫu MathType số {s} chưa chuyển được")


def _arrow(t: Template) -> str:
    variation = t.variation
    top, bottom = _slot(t, 0), _slot(t, 1)
    if variation & 0x4 and not variation & 0x8:
        bottom = ""
    elif variation & 0x8 and not variation & 0x4:
        top, bottom = "", top or bottom
    if variation & 0x3:
        command = r"\xrightleftharpoons"
    else:
        command = {0x10: r"\xleftarrow", 0x30: r"\xleftrightarrow"}.get(variation & 0x30, r"\xrightarrow")
    return command + (f"[{bottom}]" if bottom else "") + _group(top)


def _big_operator(t: Template) -> str:
    s, variation = t.selector, t.variation
    if s == 15:
        operator = r"\oint" if variation & 0xC else _INTEGRALS.get(variation & 0x3, r"\int")
    else:
        operator = _BIG_OPS[s]
        chars = t.chars
        if chars and chr(chars[-1].code) in NARY_COMMANDS:
            operator = NARY_COMMANDS[chr(chars[-1].code)]
        elif chars and s in (21, 22):
            operator = _char_run(chars[-1:])
    main, lower, upper = _slot(t, 0), _slot(t, 1), _slot(t, 2)
    out = operator
    if lower and (variation & BO_LOWER or s in (21, 22) or not variation & (BO_LOWER | BO_UPPER)):
        out += "_" + _group(lower)
    if upper and (variation & BO_UPPER or not variation & (BO_LOWER | BO_UPPER)):
        out += "^" + _group(upper)
    return join_latex([out, main])


def _limits(main: str, lower: str, upper: str) -> str:
    out = main
    if lower:
        out += "_" + _group(lower)
    if upper:
        out += "^" + _group(upper)
    return out


def _vector(t: Template) -> str:
    direction = t.variation & 0x3
    under = bool(t.variation & 0x4)
    name = {0x1: "leftarrow", 0x3: "leftrightarrow"}.get(direction, "rightarrow")
    return ("\\under" if under else "\\over") + name + _group(_slot(t, 0))


def _pile(pile: Pile) -> str:
    rows = [_object(line) for line in pile.lines]
    return r"\begin{array}{" + _ALIGN.get(pile.halign, "l") + "}" + r" \\ ".join(rows) + r"\end{array}"


def _matrix(matrix: Matrix) -> str:
    cells = [_object(cell) for cell in matrix.cells]
    cols = max(matrix.cols, 1)
    rows = [" & ".join(cells[i:i + cols]) for i in range(0, len(cells), cols)]
    return r"\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}"
