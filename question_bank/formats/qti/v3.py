"""QTI 3.0 spelling <-> QTI 2.x spelling of the same item model.

QTI 3.0 keeps the 2.x information model and renames it for HTML: ``choiceInteraction`` becomes
``qti-choice-interaction``, ``responseIdentifier`` becomes ``response-identifier``, and modal feedback and
rubric blocks wrap their content in ``qti-content-body``. Reading converts a 3.0 tree to 2.x names so one
reader serves both; writing converts the 2.1 tree the writer built. HTML and MathML inside are left alone.
"""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from question_bank.formats.qti.xhtml import local

QTI3_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP3_NS = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
#: The QTI elements the writer produces (everything else in an item is HTML or MathML).
QTI_ELEMENTS = frozenset({
    "assessmentItem", "responseDeclaration", "correctResponse", "value", "mapping", "mapEntry",
    "outcomeDeclaration", "defaultValue", "itemBody", "choiceInteraction", "simpleChoice", "prompt",
    "textEntryInteraction", "extendedTextInteraction", "matchInteraction", "simpleMatchSet",
    "simpleAssociableChoice", "orderInteraction", "rubricBlock", "responseProcessing", "responseCondition",
    "responseIf", "responseElseIf", "responseElse", "match", "variable", "correct", "baseValue",
    "setOutcomeValue", "isNull", "mapResponse", "sum", "not", "equal", "stringMatch", "modalFeedback",
})
_WRAPPED = {"modalFeedback", "rubricBlock"}


def _camel(name: str) -> str:
    head, *rest = name.split("-")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "-" + m.group(1).lower(), name)


def is_v3(root: ET.Element) -> bool:
    return local(root.tag).startswith("qti-")


def from_v3(root: ET.Element) -> ET.Element:
    """The item in 2.x names (unchanged when it already is 2.x)."""
    if not is_v3(root):
        return root
    for element in root.iter():
        name = local(element.tag)
        if not name.startswith("qti-"):
            continue
        element.tag = _camel(name[4:])
        for key in [k for k in element.attrib if "-" in k and "}" not in k and not k.startswith(("data-", "aria-"))]:
            element.set(_camel(key), element.attrib.pop(key))
    for parent in root.iter():  # qti-content-body only wraps; its content belongs to the feedback or rubric
        for index, child in reversed(list(enumerate(parent))):
            if local(child.tag) == "contentBody":
                _unwrap(parent, index, child)
    return root


def _unwrap(parent: ET.Element, index: int, wrapper: ET.Element) -> None:
    before = parent[index - 1] if index else None
    text = (wrapper.text or "")
    if before is None:
        parent.text = (parent.text or "") + text
    else:
        before.tail = (before.tail or "") + text
    kids = list(wrapper)
    if kids:
        kids[-1].tail = (kids[-1].tail or "") + (wrapper.tail or "")
    elif before is None:
        parent.text = (parent.text or "") + (wrapper.tail or "")
    else:
        before.tail = (before.tail or "") + (wrapper.tail or "")
    parent.remove(wrapper)
    for offset, kid in enumerate(kids):
        parent.insert(index + offset, kid)


def to_v3(root: ET.Element) -> ET.Element:
    """Rename a 2.1 item built by the writer to QTI 3.0, in place."""
    for element in list(root.iter()):
        name = element.tag
        if name not in QTI_ELEMENTS:
            continue
        if name in _WRAPPED:
            body = ET.Element("qti-content-body")
            body.text, element.text = element.text, None
            body.extend(list(element))
            for child in list(element):
                element.remove(child)
            element.append(body)
        element.tag = "qti-" + _kebab(name)
        for key in [k for k in element.attrib if k != "xmlns"]:
            value = element.attrib.pop(key)
            if key == "template":
                value = TEMPLATES + value.rstrip("/").rsplit("/", 1)[-1] + ".xml"
            element.set(_kebab(key), value)
    return root
