"""Word equations (OMML, ``m:oMath``) to LaTeX, for the DOCX importer.

Written in Python rather than delegating to pandoc so that a 500-question paper converts in-process, in
document order, without spawning anything. It covers what Vietnamese maths/physics papers actually contain:
fractions, scripts, radicals, n-ary operators (sums, integrals), delimiters (including ``{`` for systems of
equations), functions and limits, accents/bars, matrices and equation arrays. Unknown elements degrade to the
LaTeX of their children, so text is never lost.
"""
from __future__ import annotations

import re

M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_M = "{%s}" % M

#: Unicode characters that must become LaTeX commands (Word stores the glyph, LaTeX wants the name).
SYMBOLS = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "ϵ": r"\epsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ϑ": r"\vartheta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma",
    "τ": r"\tau", "υ": r"\upsilon", "φ": r"\varphi", "ϕ": r"\phi", "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega",
    "Γ": r"\Gamma", "Δ": r"\Delta", "∆": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi",
    "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega", "\u2126": r"\Omega",
    "≤": r"\le", "≥": r"\ge", "≠": r"\ne", "±": r"\pm", "∓": r"\mp", "×": r"\times", "÷": r"\div",
    "·": r"\cdot", "⋅": r"\cdot", "∞": r"\infty", "→": r"\to", "←": r"\leftarrow", "↔": r"\leftrightarrow",
    "⇒": r"\Rightarrow", "⇐": r"\Leftarrow", "⇔": r"\Leftrightarrow", "∈": r"\in", "∉": r"\notin",
    "⊂": r"\subset", "⊆": r"\subseteq", "⊃": r"\supset", "⊇": r"\supseteq", "∪": r"\cup", "∩": r"\cap",
    "∅": r"\emptyset", "∀": r"\forall", "∃": r"\exists", "°": r"^{\circ}", "∠": r"\angle", "△": r"\triangle",
    "∥": r"\parallel", "⊥": r"\perp", "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim", "≅": r"\cong",
    "∂": r"\partial", "∇": r"\nabla", "…": r"\ldots", "⋯": r"\cdots", "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}",
    "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}", "ℂ": r"\mathbb{C}", "−": "-", "∗": "*", "∘": r"\circ",
    "∖": r"\setminus", "¬": r"\neg", "∧": r"\wedge", "∨": r"\vee", "′": "'", "″": "''", "∣": r"\mid",
    "⟨": r"\langle", "⟩": r"\rangle", "≪": r"\ll", "≫": r"\gg", "∝": r"\propto", "⊕": r"\oplus",
}
_ESCAPES = {"{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&", "_": r"\_", "$": r"\$",
            "\\": r"\backslash", "^": r"\hat{}", "~": r"\sim"}
NARY_COMMANDS = {"∑": r"\sum", "∏": r"\prod", "∐": r"\coprod", "∫": r"\int", "∬": r"\iint", "∭": r"\iiint",
         "∮": r"\oint", "⋃": r"\bigcup", "⋂": r"\bigcap", "⋁": r"\bigvee", "⋀": r"\bigwedge"}
_DELIMS = {"{": r"\{", "}": r"\}", "⟨": r"\langle", "⟩": r"\rangle", "‖": r"\|", "⌊": r"\lfloor",
           "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil", "": "."}
_ACCENTS = {"\u0302": r"\hat", "\u0304": r"\bar", "\u0305": r"\overline", "\u20d7": r"\vec",
            "\u20d6": r"\overleftarrow", "\u0307": r"\dot", "\u0308": r"\ddot", "\u0303": r"\tilde",
            "\u030c": r"\check", "\u0301": r"\acute", "\u0300": r"\grave", "\u2192": r"\vec",
            "\u20e1": r"\overleftrightarrow"}
_FUNCTIONS = {"sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "lg", "exp", "lim", "max", "min", "sup",
              "inf", "det", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "coth", "gcd", "deg", "dim",
              "ker", "arg"}
_COMMAND_END = re.compile(r"\\[A-Za-z]+$")
_TOKEN = re.compile(r"[^\W\d_]+|.", re.S)


def _val(parent, tag: str, default: str | None = None) -> str | None:
    """``m:val`` of the property child ``tag`` (``m:chr``, ``m:type``...), or ``default`` when absent."""
    if parent is None:
        return default
    node = parent.find(_M + tag)
    if node is None:
        return default
    value = node.get(_M + "val")
    return default if value is None else value


def join_latex(parts: list[str]) -> str:
    """Concatenate LaTeX pieces, adding a space where a command would otherwise swallow the next letter."""
    out = ""
    for part in parts:
        if not part:
            continue
        if _COMMAND_END.search(out) and part[0].isalpha():
            out += " "
        out += part
    return out


def math_text(raw: str, normal: bool) -> str:
    """LaTeX for the characters of one math run; ``normal`` text (Word's "Normal text") goes in \\text{}."""
    if normal and raw.strip():
        return r"\text{" + "".join(_ESCAPES.get(c, c) for c in raw) + "}"
    parts: list[str] = []
    for token in _TOKEN.findall(raw):
        # A word with Vietnamese letters cannot be typeset in math mode: keep the whole word in \text{}.
        if token[0].isalpha() and any(not c.isascii() and c not in SYMBOLS for c in token):
            parts.append(r"\text{" + token + "}")
            continue
        for char in token:
            if char in SYMBOLS:
                parts.append(SYMBOLS[char])
            elif char in _ESCAPES:
                parts.append(_ESCAPES[char])
            elif char == "\u00a0":
                parts.append(" ")
            else:
                parts.append(char)
    return join_latex(parts)


#: Characters that show a run is Word's linear format (UnicodeMath typed but not built up): "2^x=\\sqrt(3)".
_LINEAR_MARKS = frozenset("^_\\√∛∜")
_ROOTS = {"√": "", "∛": "[3]", "∜": "[4]"}
_WORD = re.compile(r"[A-Za-z]+")
_OPENERS = {"(": ")", "{": "}", "[": "]"}


def _linear_names() -> frozenset:
    """UnicodeMath control words that are also LaTeX commands (\\alpha, \\le, \\sin, \\sum...)."""
    names = {cmd[1:] for cmd in [*SYMBOLS.values(), *NARY_COMMANDS.values()] if re.fullmatch(r"\\[A-Za-z]+", cmd)}
    return frozenset(names | _FUNCTIONS | {"sqrt", "leq", "geq", "neq", "cdot", "quad", "infty", "pm", "mp"})


def _operand(raw: str, start: int) -> tuple[str, int]:
    """The operand of a linear-format script or root at ``start``: a bracketed group (brackets dropped), a
    signed run of letters and digits, or one character; ``("", start)`` when there is none."""
    i = start
    while i < len(raw) and raw[i] == " ":
        i += 1
    if i >= len(raw):
        return "", start
    if raw[i] in _OPENERS:
        depth = 0
        for j in range(i, len(raw)):
            if raw[j] == raw[i]:
                depth += 1
            elif raw[j] == _OPENERS[raw[i]]:
                depth -= 1
                if depth == 0:
                    return raw[i + 1:j], j + 1
        return "", start
    j = i + 1 if raw[i] in "+-−" else i
    while j < len(raw) and raw[j].isalnum():
        j += 1
    return (raw[i:j], j) if j > i and raw[i:j] not in "+-−" else (raw[i], i + 1)


def linear_text(raw: str) -> str:
    """LaTeX for a math run in Word's linear format, where scripts (``^``, ``_``), roots (``√``, ``\\sqrt``)
    and control words (``\\alpha``) are still typed characters; other text goes through :func:`math_text`.

    Without this, "2^x=\\sqrt(3)" would become ``2\\hat{}x=\\backslash sqrt(3)``.
    """
    if not _LINEAR_MARKS.intersection(raw):
        return math_text(raw, False)
    names = _LINEAR_NAMES
    out: list[str] = []
    plain = ""
    i = 0
    while i < len(raw):
        char = raw[i]
        structure, end = None, i
        if char in "^_" and (out or plain.strip()):
            operand, end = _operand(raw, i + 1)
            if operand:
                structure = char + _group(linear_text(operand))
        elif char in _ROOTS or raw.startswith("\\sqrt", i):
            operand, end = _operand(raw, i + (1 if char in _ROOTS else 5))
            if operand:
                structure = r"\sqrt" + _ROOTS.get(char, "") + _group(linear_text(operand))
        elif char == "\\":
            word = _WORD.match(raw, i + 1)
            if word and word.group(0) in names:
                structure, end = "\\" + word.group(0), word.end()
            elif i + 1 < len(raw) and not raw[i + 1].isalpha():
                plain += raw[i + 1]  # UnicodeMath's backslash quotes the next character literally
                i += 2
                continue
        if structure is None:
            plain += char
            i += 1
            continue
        out += [math_text(plain, False), structure]
        plain, i = "", end
    out.append(math_text(plain, False))
    return join_latex(out)


_LINEAR_NAMES = _linear_names()


def _group(latex: str) -> str:
    return "{" + latex + "}"


def _child(node, tag: str) -> str:
    found = node.find(_M + tag)
    return "" if found is None else convert(found)


def _children(node) -> str:
    parts: list[str] = []
    linear = ""  # consecutive plain math runs are read together: a linear formula may span several runs
    for child in node:
        if child.tag == _M + "r" and not _is_normal(child):
            linear += "".join(t.text or "" for t in child.iter(_M + "t", "{%s}t" % W))
            continue
        if linear:
            parts.append(linear_text(linear))
            linear = ""
        if not child.tag.endswith("Pr"):
            parts.append(convert(child))
    if linear:
        parts.append(linear_text(linear))
    return join_latex(parts)


def _is_normal(run) -> bool:
    props = run.find(_M + "rPr")
    return props is not None and props.find(_M + "nor") is not None


def _delimiter(char: str, side: str) -> str:
    return side + _DELIMS.get(char, char)


def convert(node) -> str:
    """LaTeX for one OMML element (``m:oMath`` or any element inside it)."""
    tag = node.tag.rsplit("}", 1)[-1] if isinstance(node.tag, str) else ""
    ns = node.tag[1:].split("}", 1)[0] if isinstance(node.tag, str) and node.tag.startswith("{") else ""
    if ns == W:
        # Word runs occasionally sit inside an equation; only their text matters.
        if tag == "t":
            return math_text(node.text or "", False)
        return join_latex([convert(child) for child in node])
    if ns != M:
        return ""
    handler = _HANDLERS.get(tag)
    if handler is not None:
        return handler(node)
    if tag.endswith("Pr"):
        return ""
    return _children(node)


def _run(node) -> str:
    text = "".join(t.text or "" for t in node.iter(_M + "t", "{%s}t" % W))
    return math_text(text, True) if _is_normal(node) else linear_text(text)


def _fraction(node) -> str:
    kind = _val(node.find(_M + "fPr"), "type", "bar")
    num, den = _child(node, "num"), _child(node, "den")
    if kind == "lin":
        return _group(num) + "/" + _group(den)
    if kind == "noBar":
        return r"\genfrac{}{}{0pt}{}" + _group(num) + _group(den)
    return r"\frac" + _group(num) + _group(den)


def _base(node) -> str:
    base = _child(node, "e")
    # A bare letter or number needs no braces; anything longer must be grouped before a script.
    return base if len(base) == 1 else _group(base)


def _sup(node) -> str:
    return _base(node) + "^" + _group(_child(node, "sup"))


def _sub(node) -> str:
    return _base(node) + "_" + _group(_child(node, "sub"))


def _subsup(node) -> str:
    return _base(node) + "_" + _group(_child(node, "sub")) + "^" + _group(_child(node, "sup"))


def _prescript(node) -> str:
    return "{}_" + _group(_child(node, "sub")) + "^" + _group(_child(node, "sup")) + _group(_child(node, "e"))


def _radical(node) -> str:
    hidden = _val(node.find(_M + "radPr"), "degHide", "0") in ("1", "on", "true")
    degree = "" if hidden else _child(node, "deg")
    return r"\sqrt" + (f"[{degree}]" if degree else "") + _group(_child(node, "e"))


def _nary(node) -> str:
    props = node.find(_M + "naryPr")
    char = _val(props, "chr", "∫")
    op = NARY_COMMANDS.get(char, math_text(char, False))
    out = op
    if _val(props, "subHide", "0") not in ("1", "on", "true"):
        sub = _child(node, "sub")
        if sub:
            out += "_" + _group(sub)
    if _val(props, "supHide", "0") not in ("1", "on", "true"):
        sup = _child(node, "sup")
        if sup:
            out += "^" + _group(sup)
    return join_latex([out, _child(node, "e")])


def _delimited(node) -> str:
    props = node.find(_M + "dPr")
    begin = _val(props, "begChr", "(")
    end = _val(props, "endChr", ")")
    sep = _val(props, "sepChr", "|")
    inner = [convert(e) for e in node.findall(_M + "e")]
    sep_latex = r" \mid " if sep == "|" else math_text(sep, False)
    return join_latex([_delimiter(begin, r"\left"), sep_latex.join(inner), _delimiter(end, r"\right")])


def _function(node) -> str:
    name_node = node.find(_M + "fName")
    name = convert(name_node) if name_node is not None else ""
    plain = re.sub(r"\\text\{([^}]*)\}", r"\1", name)
    if plain in _FUNCTIONS:
        name = "\\" + plain
    elif plain.isalpha() and len(plain) > 1:
        name = r"\operatorname{" + plain + "}"
    return join_latex([name, _child(node, "e")])


def _lower_limit(node) -> str:
    base = _child(node, "e")
    if base in ("lim", r"\text{lim}", r"\lim"):
        base = r"\lim"
    return base + "_" + _group(_child(node, "lim"))


def _upper_limit(node) -> str:
    return r"\overset" + _group(_child(node, "lim")) + _group(_child(node, "e"))


def _accent(node) -> str:
    char = _val(node.find(_M + "accPr"), "chr", "\u0302")
    command = _ACCENTS.get(char, r"\hat")
    base = _child(node, "e")
    if command == r"\hat" and len(base) > 1:
        command = r"\widehat"
    elif command == r"\vec" and len(base) > 1:
        command = r"\overrightarrow"
    return command + _group(base)


def _bar(node) -> str:
    position = _val(node.find(_M + "barPr"), "pos", "bot")
    return (r"\overline" if position == "top" else r"\underline") + _group(_child(node, "e"))


def _group_char(node) -> str:
    props = node.find(_M + "groupChrPr")
    char = _val(props, "chr", "\u23df")
    base = _child(node, "e")
    if char == "\u23df":
        return r"\underbrace" + _group(base)
    if char == "\u23de":
        return r"\overbrace" + _group(base)
    position = _val(props, "pos", "bot")
    return (r"\underset" if position == "bot" else r"\overset") + _group(math_text(char, False)) + _group(base)


def _matrix(node) -> str:
    rows = [" & ".join(convert(e) for e in row.findall(_M + "e")) for row in node.findall(_M + "mr")]
    return r"\begin{matrix}" + r" \\ ".join(rows) + r"\end{matrix}"


def _equation_array(node) -> str:
    rows = [convert(e) for e in node.findall(_M + "e")]
    return r"\begin{array}{l}" + r" \\ ".join(rows) + r"\end{array}"


def _border_box(node) -> str:
    return r"\boxed" + _group(_child(node, "e"))


def _phantom(node) -> str:
    shown = _val(node.find(_M + "phantPr"), "show", "1") in ("1", "on", "true")
    return _child(node, "e") if shown else ""


_HANDLERS = {
    "r": _run, "f": _fraction, "sSup": _sup, "sSub": _sub, "sSubSup": _subsup, "sPre": _prescript,
    "rad": _radical, "nary": _nary, "d": _delimited, "func": _function, "limLow": _lower_limit,
    "limUpp": _upper_limit, "acc": _accent, "bar": _bar, "groupChr": _group_char, "m": _matrix,
    "eqArr": _equation_array, "borderBox": _border_box, "phant": _phantom,
}


def omml_to_latex(element) -> str:
    """LaTeX (without ``$`` delimiters) for an ``m:oMath`` or ``m:oMathPara`` lxml element.

    Several equations in one ``m:oMathPara`` are separated by ``\\\\``; surrounding whitespace is trimmed.
    """
    if element.tag == _M + "oMathPara":
        return r" \\ ".join(omml_to_latex(child) for child in element.findall(_M + "oMath"))
    return convert(element).strip()
