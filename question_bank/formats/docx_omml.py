"""LaTeX to native Word equations (OMML), for printed papers and the DOCX export.

Route: LaTeX → MathML with latex2mathml (the one import site of that engine), then MathML → OMML here, for
the subset school papers use: rows, identifiers/numbers/operators/text, fractions, square and n-th roots,
sub/superscripts, sums and integrals with limits (n-ary), under/over scripts and accents, matrices and
systems (tables), spacing. Anything unknown degrades to the OMML of its children, so no text is lost; a
formula latex2mathml cannot read is reported by :func:`latex_to_omml` returning None (the caller keeps the
``$…$`` text and warns).
"""
from __future__ import annotations

from xml.etree import ElementTree as ET

from question_bank.formats.docx_math import M, W

_MML = "{http://www.w3.org/1998/Math/MathML}"
#: Prefix of the tag of the content control the export wraps each equation in: the LaTeX it was made from,
#: so an import gets the teacher's spelling back ("$x^2 - 4$", not "$x^{2}-4$" read from the equation).
LATEX_TAG = "latex:"
_NARY_CHARS = set("∑∏∐∫∬∭∮⋃⋂⋁⋀")
_ACCENT_CHARS = {"^": "\u0302", "ˆ": "\u0302", "¯": "\u0305", "‾": "\u0305", "→": "\u20d7", "⃗": "\u20d7",
                 "˙": "\u0307", "¨": "\u0308", "~": "\u0303", "˜": "\u0303", "ˇ": "\u030c"}


def _q(tag: str) -> str:
    return f"{{{M}}}{tag}"


def _el(tag: str, *children: ET.Element, **attrs: str) -> ET.Element:
    element = ET.Element(_q(tag), {_q(k): v for k, v in attrs.items()})
    element.extend(children)
    return element


def _run(text: str, plain: bool = False) -> ET.Element:
    run = _el("r")
    if plain:  # text and numbers upright, as Word shows them; identifiers stay italic (Word's default)
        run.append(_el("rPr", _el("sty", val="p")))
    t = ET.SubElement(run, _q("t"))
    t.text = text
    if text != text.strip():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


def _arg(tag: str, node: ET.Element | None) -> ET.Element:
    """An OMML argument slot (m:e, m:num, m:sup…) holding the conversion of ``node``."""
    slot = _el(tag)
    if node is not None:
        slot.extend(_convert(node))
    return slot


def _text(node: ET.Element) -> str:
    return "".join(node.itertext()).strip()


def _convert(node: ET.Element) -> list[ET.Element]:
    tag = node.tag.replace(_MML, "")
    kids = list(node)
    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        text = "".join(node.itertext())
        if not text:
            return []
        return [_run(text, plain=tag in ("mn", "mtext") or (tag == "mi" and len(text) > 1))]
    if tag == "mspace":
        return [_run(" ", plain=True)]
    if tag == "mfrac" and len(kids) == 2:
        return [_el("f", _arg("num", kids[0]), _arg("den", kids[1]))]
    if tag == "msqrt":
        inner = _el("e")
        for kid in kids:
            inner.extend(_convert(kid))
        return [_el("rad", _el("radPr", _el("degHide", val="1")), _el("deg"), inner)]
    if tag == "mroot" and len(kids) == 2:
        return [_el("rad", _arg("deg", kids[1]), _arg("e", kids[0]))]
    if tag in ("msub", "msup", "msubsup", "munder", "mover", "munderover") and kids:
        base = kids[0]
        base_text = _text(base) if base.tag.replace(_MML, "") == "mo" else ""
        if base_text in _NARY_CHARS:
            low = kids[1] if tag in ("msub", "msubsup", "munder", "munderover") and len(kids) > 1 else None
            high = kids[-1] if tag in ("msup", "msubsup", "mover", "munderover") and len(kids) > 1 else None
            props = _el("naryPr", _el("chr", val=base_text), _el("limLoc", val="undOvr" if tag.startswith("mu")
                                                                  else "subSup"))
            if low is None:
                props.append(_el("subHide", val="1"))
            if high is None:
                props.append(_el("supHide", val="1"))
            # The n-ary operand is what follows it in the row; Word accepts an empty m:e and shows it inline.
            return [_el("nary", props, _arg("sub", low), _arg("sup", high), _el("e"))]
        if tag == "msub" and len(kids) == 2:
            return [_el("sSub", _arg("e", base), _arg("sub", kids[1]))]
        if tag == "msup" and len(kids) == 2:
            return [_el("sSup", _arg("e", base), _arg("sup", kids[1]))]
        if tag == "msubsup" and len(kids) == 3:
            return [_el("sSubSup", _arg("e", base), _arg("sub", kids[1]), _arg("sup", kids[2]))]
        if tag == "mover" and len(kids) == 2:
            accent = _ACCENT_CHARS.get(_text(kids[1]))
            if accent:
                return [_el("acc", _el("accPr", _el("chr", val=accent)), _arg("e", base))]
            return [_el("limUpp", _arg("e", base), _arg("lim", kids[1]))]
        if tag == "munder" and len(kids) == 2:
            return [_el("limLow", _arg("e", base), _arg("lim", kids[1]))]
        if tag == "munderover" and len(kids) == 3:
            return [_el("limUpp", _el("e", _el("limLow", _arg("e", base), _arg("lim", kids[1]))),
                        _arg("lim", kids[2]))]
    if tag == "mtable":
        matrix = _el("m")
        for row in kids:
            cells = [cell for cell in row if cell.tag.replace(_MML, "") == "mtd"]
            matrix.append(_el("mr", *(_arg("e", cell) for cell in cells)))
        return [matrix]
    out: list[ET.Element] = []
    for kid in kids:  # math, mrow, mstyle, mpadded, mphantom and anything unknown: their children
        out.extend(_convert(kid))
    return out


def latex_to_omml(latex: str, display: bool = False) -> ET.Element | None:
    """An ``m:oMath`` (or ``m:oMathPara`` for display maths) element, or None when the LaTeX cannot be read."""
    from latex2mathml.converter import convert  # the one import site of latex2mathml

    try:
        mathml = convert(latex)
        root = ET.fromstring(mathml)
    except Exception:  # latex2mathml raises many kinds (its own, IndexError, KeyError) for unreadable input
        return None
    body = _convert(root)
    if not body:
        return None
    math = _el("oMath", *body)
    return _el("oMathPara", math) if display else math


def omml_xml(element: ET.Element) -> str:
    """The element as XML text with the m: and w: prefixes Word expects (for python-docx's parse_xml)."""
    ET.register_namespace("m", M)
    ET.register_namespace("w", W)
    return ET.tostring(element, encoding="unicode")


def latex_control(equation: ET.Element, source: str) -> ET.Element:
    """``equation`` inside an inline content control (``w:sdt``) tagged with its LaTeX ``source``."""
    control = ET.Element(f"{{{W}}}sdt")
    properties = ET.SubElement(control, f"{{{W}}}sdtPr")
    ET.SubElement(properties, f"{{{W}}}tag", {f"{{{W}}}val": LATEX_TAG + source})
    ET.SubElement(control, f"{{{W}}}sdtContent").append(equation)
    return control


def latex_of_control(source: str, equation, read) -> str | None:
    """``source`` (a content control's LaTeX) when ``equation`` is still the equation it makes, else None.

    ``read`` is the importer's OMML-to-LaTeX reader; an equation edited in Word reads differently from the
    one the source makes, and is then read from the equation itself, never from a stale tag.
    """
    made = latex_to_omml(source.strip(), display=equation.tag == f"{{{M}}}oMathPara") if source.strip() else None
    if made is None:
        return None
    from lxml import etree  # python-docx's parser: ``read`` walks lxml elements

    return source if read(etree.fromstring(omml_xml(made))) == read(equation) else None
