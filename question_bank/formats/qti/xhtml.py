"""Question HTML <-> QTI XHTML: well-formed output from sloppy HTML, formulas as MathML both ways."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

from question_bank.formats.base import html_to_text
from question_bank.formats.mathml import MATH_SPAN, MATHML_NS, latex_to_mathml, mathml_to_latex

_VOID = {"area", "br", "col", "hr", "img", "input", "source", "wbr"}
_XML_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
_INDENT = re.compile(r"[ \t]*\n[ \t]+")
#: Feedback shown inside the body is read apart from the text it sits in (see reading.feedback).
FEEDBACK_ELEMENTS = frozenset({"feedbackInline", "feedbackBlock"})


def local(tag) -> str:
    """The tag without its namespace ("{ns}choiceInteraction" -> "choiceInteraction")."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def find_all(element: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in element.iter() if local(e.tag) == name]


def find(element: ET.Element, name: str) -> ET.Element | None:
    found = find_all(element, name)
    return found[0] if found else None


class _XhtmlWriter(HTMLParser):
    """Re-emit possibly sloppy HTML as well-formed XHTML (QTI bodies are XML); ``$...$`` becomes MathML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if not _XML_NAME.match(tag):
            return
        rendered = "".join(f' {k}="{html.escape(v if v is not None else k)}"' for k, v in attrs
                           if _XML_NAME.match(k) and not k.startswith("xmlns"))
        if tag in _VOID:
            self.out.append(f"<{tag}{rendered}/>")
        else:
            self.out.append(f"<{tag}{rendered}>")
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack and self.stack[-1] == tag:
            self.out.append(f"</{self.stack.pop()}>")

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack:
                open_tag = self.stack.pop()
                self.out.append(f"</{open_tag}>")
                if open_tag == tag:
                    break

    def handle_data(self, data):
        position = 0
        for match in MATH_SPAN.finditer(data):
            display = match.group(1) is not None
            math = latex_to_mathml(match.group(1) if display else match.group(2), display=display)
            if math is None:  # unreadable LaTeX stays as its text, which still round-trips
                continue
            self.out.append(html.escape(data[position:match.start()], quote=False))
            self.out.append(ET.tostring(math, encoding="unicode"))
            position = match.end()
        self.out.append(html.escape(data[position:], quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.stack))


def fill(parent: ET.Element, markup: str) -> ET.Element:
    """Append ``markup`` (HTML) to ``parent`` as QTI XHTML nodes, formulas as MathML."""
    writer = _XhtmlWriter()
    writer.feed(markup)
    wrapper = ET.fromstring(f"<w>{writer.result()}</w>")
    for element in wrapper.iter():
        # Keep tags unqualified under a literal xmlns (as the item root): no generated ns0: prefixes.
        if element.tag.startswith("{%s}" % MATHML_NS):
            element.tag = local(element.tag)
            if element.tag == "math":
                element.set("xmlns", MATHML_NS)
    parent.text = (parent.text or "") + (wrapper.text or "")
    parent.extend(list(wrapper))
    return parent


def inner_html(element: ET.Element, skip=frozenset(), replace=None) -> str:
    """Serialise an element's content back to HTML; ``replace(el)`` may substitute text for an element.

    MathML becomes ``$LaTeX$``; inline and block feedback are left out (they are read on their own).
    """
    parts = [_text(element.text)]
    for child in element:
        name = local(child.tag)
        substitute = replace(child) if replace is not None and name not in skip else None
        if name in skip or name in FEEDBACK_ELEMENTS:
            pass
        elif substitute is not None:
            parts.append(substitute)
        elif name == "math":
            parts.append(html.escape(mathml_to_latex(child), quote=False))
        elif name:
            attrs = "".join(f' {local(k)}="{html.escape(v)}"' for k, v in child.attrib.items())
            if name in _VOID:
                parts.append(f"<{name}{attrs}>")
            else:
                parts.append(f"<{name}{attrs}>{inner_html(child, skip, replace)}</{name}>")
        parts.append(_text(child.tail))
    return "".join(parts).strip()


def _text(value: str | None) -> str:
    # A line break followed by indentation is how pretty-printed XML lays out text: one space in HTML too.
    # (The bank's own texts never carry indentation after a newline, so round trips are unaffected.)
    return html.escape(_INDENT.sub(" ", value or ""), quote=False)


def text_of(element: ET.Element) -> str:
    """Plain text of an element (formulas as ``$LaTeX$``), whitespace collapsed."""
    return " ".join(html_to_text(inner_html(element)).split())
