"""MathML <-> LaTeX for the exchange formats that carry MathML (QTI).

Question texts keep formulas as LaTeX between ``$...$`` / ``$$...$$`` (API.md). Writing, a formula becomes
presentation MathML made by latex2mathml, wrapped in ``<semantics>`` with the LaTeX source as an
``annotation encoding="application/x-tex"``, so that a platform reading it back (this one, TAO, Onyx) gets the
exact source. Reading, an annotation in a TeX encoding is taken as is; otherwise the presentation markup of
the subset authoring tools and the IMS samples use (tokens, rows, scripts, fractions, roots, fences,
under/over scripts, tables) is converted here. An unknown element becomes the LaTeX of its children, so no
text is ever dropped.
"""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from question_bank.formats.docx_math import SYMBOLS

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
TEX_ENCODINGS = {"latex", "tex", "application/x-tex", "text/x-latex", "application/x-latex", "mathml-latex"}
#: ``$$display$$`` first so it is not read as two empty inline spans; ``\$`` is a dollar sign (as content.py).
MATH_SPAN = re.compile(r"(?<!\\)\$\$((?:.|\n)+?)(?<!\\)\$\$|(?<!\\)\$((?:[^$\n\\]|\\.)+?)(?<!\\)\$")

_FUNCTIONS = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "lg", "exp", "lim", "max", "min", "sup",
              "inf", "det", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh"}
_ACCENTS = {"¯": r"\overline", "‾": r"\overline", "→": r"\vec", "^": r"\hat", "ˆ": r"\hat", "~": r"\tilde",
            "˜": r"\tilde", "˙": r"\dot", "⏞": r"\overbrace", "⏟": r"\underbrace", "_": r"\underline"}
_BIG = {"∑": r"\sum", "∏": r"\prod", "∫": r"\int", "∬": r"\iint", "∮": r"\oint", "⋃": r"\bigcup", "⋂": r"\bigcap"}
_ESCAPES = {"{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&", "$": r"\$", "_": r"\_"}
_FENCES = {"{": r"\{", "}": r"\}", "⟨": r"\langle", "⟩": r"\rangle", "‖": r"\|", "|": "|", "": "."}


def latex_to_mathml(latex: str, display: bool = False) -> ET.Element | None:
    """A MathML ``math`` element for ``latex`` carrying its source as a TeX annotation; None if unreadable."""
    from latex2mathml.converter import convert  # latex2mathml: LaTeX -> presentation MathML

    try:
        root = ET.fromstring(convert(latex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many kinds (its own, IndexError, KeyError) for unreadable input
        return None
    math = ET.Element("math", xmlns=MATHML_NS, display="block" if display else "inline")
    semantics = ET.SubElement(math, "semantics")
    kids = list(root)
    if len(kids) == 1:  # latex2mathml already wraps the formula in one <mrow>
        semantics.append(_unqualified(kids[0]))
    else:
        row = ET.SubElement(semantics, "mrow")
        row.extend(_unqualified(child) for child in kids)
    ET.SubElement(semantics, "annotation", encoding="application/x-tex").text = latex
    return math


def _unqualified(element: ET.Element) -> ET.Element:
    # Elements are written under a literal xmlns on <math> (see qti writing), so their tags carry no namespace.
    copy = ET.Element(_local(element.tag), dict(element.attrib))
    copy.text, copy.tail = element.text, element.tail
    copy.extend(_unqualified(child) for child in element)
    return copy


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def mathml_to_latex(math: ET.Element) -> str:
    """``$latex$`` (``$$latex$$`` for ``display="block"``) for a MathML ``math`` element."""
    latex = _annotation(math)
    if latex is None:
        latex = _convert(math).strip()
    latex = re.sub(r"\s+", " ", latex).strip()
    return f"$${latex}$$" if math.get("display") == "block" else f"${latex}$"


def _annotation(math: ET.Element) -> str | None:
    for element in math.iter():
        if _local(element.tag) == "annotation" and (element.get("encoding") or "").lower() in TEX_ENCODINGS:
            text = (element.text or "").strip()
            if text:
                return text
    return None


def _group(latex: str) -> str:
    latex = latex.strip()
    return latex if len(latex) == 1 or re.fullmatch(r"\\[A-Za-z]+", latex) else "{" + latex + "}"


def _kids(element: ET.Element) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) not in ("annotation", "annotation-xml")]


def _join(parts: list[str]) -> str:
    out = ""
    for part in parts:
        # A command followed by a letter needs a space ("\alpha x", not "\alphax").
        if out and re.search(r"\\[A-Za-z]+$", out) and re.match(r"[A-Za-z]", part):
            out += " "
        out += part
    return out


def _token(text: str) -> str:
    text = (text or "").strip()
    if text in _FUNCTIONS:
        return "\\" + text
    return "".join(SYMBOLS.get(ch) or _ESCAPES.get(ch) or ch for ch in text)


def _convert(element: ET.Element) -> str:
    name = _local(element.tag)
    kids = _kids(element)
    args = [_convert(kid) for kid in kids]
    if name in ("mi", "mn"):
        text = (element.text or "").strip()
        if element.get("mathvariant") == "double-struck" and len(text) == 1 and text.isalpha():
            return r"\mathbb{%s}" % text
        return _token(text)
    if name == "mo":
        text = (element.text or "").strip()
        return _BIG.get(text) or _token(text)
    if name == "mtext":
        return r"\text{%s}" % (element.text or "")
    if name == "mspace":
        return r"\ "
    if name == "msup" and len(args) == 2:
        return f"{_group(args[0])}^{_group(args[1])}"
    if name == "msub" and len(args) == 2:
        return f"{_group(args[0])}_{_group(args[1])}"
    if name == "msubsup" and len(args) == 3:
        return f"{_group(args[0])}_{_group(args[1])}^{_group(args[2])}"
    if name == "mfrac" and len(args) == 2:
        return r"\frac{%s}{%s}" % (args[0], args[1])
    if name == "msqrt":
        return r"\sqrt{%s}" % _join(args)
    if name == "mroot" and len(args) == 2:
        return r"\sqrt[%s]{%s}" % (args[1], args[0])
    if name == "mfenced":
        left, right = element.get("open", "("), element.get("close", ")")
        inner = (element.get("separators", ",")[:1] or ",").join(args)
        return r"\left%s %s \right%s" % (_FENCES.get(left, left), inner, _FENCES.get(right, right))
    if name in ("mover", "munder") and len(args) == 2:
        accent = (kids[1].text or "").strip() if _local(kids[1].tag) == "mo" else ""
        if accent in _ACCENTS:
            return r"%s{%s}" % (_ACCENTS[accent], args[0])
        return f"{_group(args[0])}{'^' if name == 'mover' else '_'}{_group(args[1])}"
    if name == "munderover" and len(args) == 3:
        return f"{_group(args[0])}_{_group(args[1])}^{_group(args[2])}"
    if name == "mtable":
        return r"\begin{matrix}%s\end{matrix}" % r" \\ ".join(args)
    if name in ("mtr", "mlabeledtr"):
        return " & ".join(args)
    return _join(args)
