"""IMS QTI 2.1/2.2 items and content packages.

Read: a single ``assessmentItem`` XML file or a zip content package whose ``imsmanifest.xml`` lists
``imsqti_item_*`` resources.  Interactions: choice (single/multiple; a true/false pair), textEntry (short
answer, text or numeric with tolerance), extendedText (essay, ``rubricBlock view="scorer"``), match
(matching; statements × {true,false} is a true/false group), order, and inline textEntry/inlineChoice gaps
(cloze).  Archives are checked for bombs and unsafe names before anything is read (base.open_safe_zip).

Write: QTI 2.1 single items (:func:`dump_item`) and content packages (:meth:`QtiFormat.dump`).
"""
from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from decimal import Decimal
from html.parser import HTMLParser
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree import ElementTree as ET

from question_bank.formats.base import (
    Draft, ExportResult, Format, ImageBlob, ImportProblem, ImportRejected, ParseResult, cloze_display_text,
    format_number, guess_content_type, html_to_text, json_number, letter_id, number_id, open_safe_zip,
    parse_decimal, parse_xml, read_limited, read_zip_member, register,
)

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
_RP = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"
_VOID = {"area", "br", "col", "hr", "img", "input", "source", "wbr"}
_XML_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")
_INTERACTIONS = {"choiceInteraction", "textEntryInteraction", "extendedTextInteraction", "matchInteraction",
                 "orderInteraction", "inlineChoiceInteraction"}
_INLINE = {"textEntryInteraction", "inlineChoiceInteraction"}
_GAP = re.compile(r"\{\{([^{}]+)\}\}")
_GAP_TOKEN = re.compile("\ue100([^\ue101]*)\ue101")


class _Skip(Exception):
    """This item cannot be imported; the message says why."""


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --- HTML <-> XHTML -----------------------------------------------------------------------------------

class _XhtmlWriter(HTMLParser):
    """Re-emit possibly sloppy HTML as well-formed XHTML (QTI bodies are XML)."""

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
        self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.stack))


def _fill(parent: ET.Element, markup: str) -> ET.Element:
    """Append ``markup`` (HTML) to ``parent`` as QTI-namespaced XHTML nodes."""
    writer = _XhtmlWriter()
    writer.feed(markup)
    wrapper = ET.fromstring(f"<w>{writer.result()}</w>")
    parent.text = (parent.text or "") + (wrapper.text or "")
    parent.extend(list(wrapper))
    return parent


def _inner_html(element: ET.Element, skip=frozenset(), replace=None) -> str:
    """Serialise an element's content back to HTML; ``replace(el)`` may substitute text for an element."""
    parts = [html.escape(element.text or "", quote=False)]
    for child in element:
        name = _local(child.tag)
        substitute = replace(child) if replace is not None and name not in skip else None
        if name in skip:
            pass
        elif substitute is not None:
            parts.append(substitute)
        elif name:
            attrs = "".join(f' {_local(k)}="{html.escape(v)}"' for k, v in child.attrib.items())
            if name in _VOID:
                parts.append(f"<{name}{attrs}>")
            else:
                parts.append(f"<{name}{attrs}>{_inner_html(child, skip, replace)}</{name}>")
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts).strip()


def _find_all(element: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in element.iter() if _local(e.tag) == name]


def _find(element: ET.Element, name: str) -> ET.Element | None:
    found = _find_all(element, name)
    return found[0] if found else None


# --- reading ------------------------------------------------------------------------------------------

def parse_item(root: ET.Element, notes: list[str]) -> tuple[dict, dict]:
    """Convert one parsed ``assessmentItem`` element into (body, meta); raises _Skip when impossible."""
    if _local(root.tag) != "assessmentItem":
        raise _Skip("Tệp không phải là assessmentItem QTI.")
    body_el = _find(root, "itemBody")
    if body_el is None:
        raise _Skip("Câu hỏi QTI thiếu itemBody.")
    declarations = {d.get("identifier"): d for d in _find_all(root, "responseDeclaration")}
    interactions = [e for e in body_el.iter() if _local(e.tag) in _INTERACTIONS]
    unknown = sorted({_local(e.tag) for e in body_el.iter() if _local(e.tag).endswith("Interaction")}
                     - _INTERACTIONS)
    if unknown:
        raise _Skip(f"Loại tương tác QTI không được hỗ trợ: {', '.join(unknown)}.")
    if not interactions:
        raise _Skip("Câu hỏi QTI không có tương tác (interaction) nào.")
    meta = {"name": root.get("title")} if root.get("title") else {}
    explanation = " ".join(filter(None, (_inner_html(f) for f in _find_all(root, "modalFeedback"))))
    rubric = " ".join(filter(None, (_inner_html(r) for r in _find_all(body_el, "rubricBlock")
                                    if "scorer" in (r.get("view") or ""))))
    inline = [e for e in interactions if _local(e.tag) in _INLINE]
    if len(inline) == len(interactions) and not _is_lone_entry(body_el, inline):
        body = _cloze(body_el, inline, declarations, notes)
    elif len(interactions) == 1:
        interaction = interactions[0]
        declaration = declarations.get(interaction.get("responseIdentifier"))
        stem = _stem(body_el, interaction)
        body = _READERS[_local(interaction.tag)](interaction, declaration, root, notes)
        body = {"type": body.pop("type"), "stem": stem, **body}
    else:
        raise _Skip("Câu hỏi QTI có nhiều tương tác khác loại — chưa được hỗ trợ.")
    if explanation:
        body["explanation"] = explanation
    if rubric and body["type"] == "essay":
        body["rubric"] = rubric
    return body, meta


def _is_lone_entry(body_el: ET.Element, inline: list[ET.Element]) -> bool:
    """A single text entry alone in its paragraph is a short-answer question, not a gap in a text."""
    if len(inline) != 1 or _local(inline[0].tag) != "textEntryInteraction":
        return False
    for parent in body_el.iter():
        if inline[0] in list(parent):
            return parent is not body_el and not (parent.text or "").strip() and not (inline[0].tail or "").strip() \
                and len(parent) == 1
    return False


def _stem(body_el: ET.Element, interaction: ET.Element) -> str:
    def drop(element):
        # Leave out the interaction, and a paragraph that held nothing but it.
        if element is interaction or (len(element) == 1 and element[0] is interaction
                                      and not (element.text or "").strip()):
            return ""
        return None
    stem = _inner_html(body_el, skip={"rubricBlock"}, replace=drop)
    stem = _unwrap_stem(stem)
    prompt = _find(interaction, "prompt")
    if prompt is not None:
        stem = " ".join(filter(None, (stem, _inner_html(prompt))))
    if not stem:
        raise _Skip("Câu hỏi không có nội dung (đề bài).")
    return stem


def _unwrap_stem(markup: str) -> str:
    match = re.fullmatch(r'<div class="stem">(.*)</div>', markup, re.S)
    return match.group(1).strip() if match else markup


def _values(declaration: ET.Element | None) -> list[str]:
    if declaration is None:
        return []
    correct = _find(declaration, "correctResponse")
    return [(v.text or "").strip() for v in _find_all(correct, "value")] if correct is not None else []


def _choice(interaction, declaration, root, notes) -> dict:
    choices = [c for c in interaction if _local(c.tag) == "simpleChoice"]
    correct = set(_values(declaration))
    ids = [c.get("identifier") for c in choices]
    if len(choices) < 2:
        raise _Skip("Câu trắc nghiệm cần ít nhất 2 phương án.")
    single = (interaction.get("maxChoices") or "1") == "1" and (
        declaration is None or declaration.get("cardinality", "single") == "single")
    if single and sorted(ids) == ["false", "true"]:
        if len(correct) != 1:
            raise _Skip("Câu đúng/sai phải có đúng một đáp án.")
        return {"type": "true_false", "answer": correct == {"true"}}
    if not correct & set(ids):
        raise _Skip("Câu trắc nghiệm không khai báo đáp án đúng (correctResponse).")
    if single and len(correct) != 1:
        raise _Skip("Câu một đáp án đúng phải có đúng một đáp án.")
    return {"type": "single_choice" if single else "multiple_choice",
            "options": [{"id": letter_id(i), "text": _inner_html(c), "correct": c.get("identifier") in correct}
                        for i, c in enumerate(choices)]}


def _text_entry(interaction, declaration, root, notes) -> dict:
    base = declaration.get("baseType") if declaration is not None else "string"
    identifier = interaction.get("responseIdentifier")
    if base in ("float", "integer"):
        answers = _numeric_answers(root, identifier, declaration, notes)
    else:
        answers = [{"text": t} for t in _accepted_texts(declaration)]
    if not answers:
        raise _Skip("Câu trả lời ngắn không khai báo đáp án đúng.")
    return {"type": "short_answer", "answers": answers}


def _accepted_texts(declaration) -> list[str]:
    texts = _values(declaration)
    if declaration is not None:
        for entry in _find_all(declaration, "mapEntry"):
            if (parse_decimal(entry.get("mappedValue") or "0") or 0) > 0:
                texts.append((entry.get("mapKey") or "").strip())
    return [t for t in dict.fromkeys(texts) if t]


def _numeric_answers(root, identifier, declaration, notes) -> list[dict]:
    answers = []
    processing = _find(root, "responseProcessing")
    for equal in _find_all(processing, "equal") if processing is not None else []:
        variable, value = _find(equal, "variable"), _find(equal, "baseValue")
        if variable is None or value is None or variable.get("identifier") != identifier:
            continue
        number = parse_decimal(value.text or "")
        mode = equal.get("toleranceMode", "exact")
        tolerance = parse_decimal((equal.get("tolerance") or "0").split()[0]) if mode == "absolute" else 0
        if mode == "relative":
            notes.append("Sai số tương đối (relative) không được hỗ trợ — dùng so khớp chính xác.")
        if number is not None:
            # ``tolerance or 0`` would hand json_number a plain int, which has no Decimal methods.
            answers.append({"value": json_number(number), "tolerance": json_number(abs(tolerance or Decimal(0)))})
    if not answers:
        for text in _values(declaration):
            number = parse_decimal(text)
            if number is not None:
                answers.append({"value": json_number(number), "tolerance": 0})
    return answers


def _extended_text(interaction, declaration, root, notes) -> dict:
    return {"type": "essay"}


def _match(interaction, declaration, root, notes) -> dict:
    sets = [s for s in interaction if _local(s.tag) == "simpleMatchSet"]
    if len(sets) != 2:
        raise _Skip("Câu ghép đôi QTI phải có đúng 2 nhóm (simpleMatchSet).")
    sources = [c for c in sets[0] if _local(c.tag) == "simpleAssociableChoice"]
    targets = {c.get("identifier"): c for c in sets[1] if _local(c.tag) == "simpleAssociableChoice"}
    links = dict(v.split()[:2] for v in _values(declaration) if len(v.split()) >= 2)
    if sorted(targets) == ["false", "true"]:
        statements = [{"id": letter_id(i), "text": _inner_html(s), "correct": links.get(s.get("identifier")) == "true"}
                      for i, s in enumerate(sources)]
        return {"type": "true_false_group", "statements": statements}
    pairs = []
    for source in sources:
        target = targets.get(links.get(source.get("identifier")))
        if target is None:
            notes.append("Một vế trái không có vế phải đúng — đã bỏ qua vế đó.")
            continue
        pairs.append({"id": number_id(len(pairs)), "left": _inner_html(source), "right": _inner_html(target)})
    if len(pairs) < 2:
        raise _Skip("Câu ghép đôi cần ít nhất 2 cặp.")
    return {"type": "matching", "pairs": pairs}


def _order(interaction, declaration, root, notes) -> dict:
    choices = {c.get("identifier"): c for c in interaction if _local(c.tag) == "simpleChoice"}
    order = _values(declaration)
    if sorted(order) != sorted(choices) or len(order) < 2:
        raise _Skip("Câu sắp xếp phải khai báo thứ tự đúng của mọi mục.")
    return {"type": "ordering", "items": [{"id": number_id(i), "text": _inner_html(choices[k])}
                                          for i, k in enumerate(order)]}


_READERS = {"choiceInteraction": _choice, "textEntryInteraction": _text_entry,
            "extendedTextInteraction": _extended_text, "matchInteraction": _match, "orderInteraction": _order}


def _cloze(body_el, inline, declarations, notes) -> dict:
    gaps: list[dict] = []

    def gap(element):
        if element not in inline:
            return None
        declaration = declarations.get(element.get("responseIdentifier"))
        if _local(element.tag) == "inlineChoiceInteraction":
            texts = {c.get("identifier"): html_to_text(_inner_html(c)) for c in element
                     if _local(c.tag) == "inlineChoice"}
            answers = [texts[v] for v in _values(declaration) if v in texts]
            notes.append(f"Chỗ trống {len(gaps) + 1} là danh sách chọn; chỉ giữ đáp án đúng, học sinh sẽ gõ đáp án.")
        else:
            answers = _accepted_texts(declaration)
        if not answers:
            raise _Skip(f"Chỗ trống {len(gaps) + 1} không khai báo đáp án đúng.")
        gaps.append({"id": number_id(len(gaps)), "answers": answers})
        return "{{%s}}" % gaps[-1]["id"]

    text = _unwrap_stem(_inner_html(body_el, skip={"rubricBlock"}, replace=gap))
    return {"type": "cloze", "stem": "", "text": text, "gaps": gaps}


# --- writing ------------------------------------------------------------------------------------------

def _declaration(item: ET.Element, cardinality: str, base_type: str, values: list[str],
                 identifier: str = "RESPONSE") -> ET.Element:
    declaration = ET.SubElement(item, f"responseDeclaration", identifier=identifier,
                                cardinality=cardinality, baseType=base_type)
    if values:
        correct = ET.SubElement(declaration, f"correctResponse")
        for value in values:
            ET.SubElement(correct, f"value").text = value
    return declaration


def _mapping(declaration: ET.Element, keys: list[str]) -> None:
    mapping = ET.SubElement(declaration, f"mapping", defaultValue="0", upperBound="1")
    for key in keys:
        ET.SubElement(mapping, f"mapEntry", mapKey=key, mappedValue="1", caseSensitive="false")


def _q(parent: ET.Element, name: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, f"{name}", **attrs)


def build_item(item: dict, identifier: str) -> ET.Element:
    """Build a QTI 2.1 ``assessmentItem`` element for ``{"body", "meta"}``; ValueError if not expressible."""
    body, meta = item["body"], item.get("meta") or {}
    kind = body["type"]
    title = meta.get("name") or html_to_text(body.get("stem") or body.get("text") or "")[:80] or identifier
    root = ET.Element(f"assessmentItem", identifier=identifier, title=title, adaptive="false",
                      timeDependent="false")
    decl_at = len(root)
    _q(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    if body.get("explanation"):
        feedback = _q(root, "outcomeDeclaration", identifier="FEEDBACK", cardinality="single", baseType="identifier")
        # A default value shows the explanation after every submission without extra response rules.
        _q(_q(feedback, "defaultValue"), "value").text = "explanation"
    item_body = _q(root, "itemBody")
    template = "match_correct"
    if kind == "cloze":
        template = _write_cloze(root, item_body, body)
    else:
        _fill(_q(item_body, "div", **{"class": "stem"}), body["stem"])
        template = _WRITERS[kind](root, item_body, body)
    # responseDeclarations must precede outcomeDeclarations: move those the writers appended.
    for declaration in [e for e in root if _local(e.tag) == "responseDeclaration"]:
        root.remove(declaration)
        root.insert(decl_at, declaration)
        decl_at += 1
    if isinstance(template, str):
        _q(root, "responseProcessing", template=_RP + template)
    elif template is not None:
        root.append(template)
    if body.get("explanation"):
        _fill(_q(root, "modalFeedback", outcomeIdentifier="FEEDBACK", identifier="explanation", showHide="show"),
              body["explanation"])
    return root


def _write_choices(root, item_body, body, single: bool):
    options = body["options"]
    ids = [f"c{i + 1}" for i in range(len(options))]
    _declaration(root, "single" if single else "multiple", "identifier",
                 [i for i, o in zip(ids, options) if o.get("correct")])
    interaction = _q(item_body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false",
                     maxChoices="1" if single else "0")
    for identifier, option in zip(ids, options):
        _fill(_q(interaction, "simpleChoice", identifier=identifier), option["text"])
    return "match_correct"


def _write_true_false(root, item_body, body):
    _declaration(root, "single", "identifier", ["true" if body["answer"] else "false"])
    interaction = _q(item_body, "choiceInteraction", responseIdentifier="RESPONSE", shuffle="false", maxChoices="1")
    _q(interaction, "simpleChoice", identifier="true").text = "Đúng"
    _q(interaction, "simpleChoice", identifier="false").text = "Sai"
    return "match_correct"


def _write_short_answer(root, item_body, body):
    answers = body["answers"]
    numeric = ["value" in a for a in answers]
    if any(numeric) and not all(numeric):
        raise ValueError("QTI không ghi được câu trả lời ngắn vừa có đáp án chữ vừa có đáp án số.")
    _q(_q(item_body, "p"), "textEntryInteraction", responseIdentifier="RESPONSE", expectedLength="20")
    if not all(numeric):
        declaration = _declaration(root, "single", "string", [answers[0]["text"]])
        _mapping(declaration, [a["text"] for a in answers])
        return "map_response"
    _declaration(root, "single", "float", [format_number(answers[0]["value"])])
    processing = ET.Element(f"responseProcessing")
    condition = _q(processing, "responseCondition")
    branch = _q(condition, "responseIf")
    any_of = _q(branch, "or")
    for answer in answers:
        tolerance = format_number(answer.get("tolerance") or 0)
        equal = _q(any_of, "equal", toleranceMode="absolute", tolerance=f"{tolerance} {tolerance}")
        _q(equal, "variable", identifier="RESPONSE")
        _q(equal, "baseValue", baseType="float").text = format_number(answer["value"])
    for parent, score in ((branch, "1"), (_q(condition, "responseElse"), "0")):
        _q(_q(parent, "setOutcomeValue", identifier="SCORE"), "baseValue", baseType="float").text = score
    return processing


def _write_essay(root, item_body, body):
    _declaration(root, "single", "string", [])
    _q(item_body, "extendedTextInteraction", responseIdentifier="RESPONSE", expectedLines="15")
    if body.get("rubric"):
        _fill(_q(item_body, "rubricBlock", view="scorer"), body["rubric"])
    return None


def _write_pairs(root, item_body, sources: list[str], targets: list[str], links: list[str], match_max: str):
    _declaration(root, "multiple", "directedPair", links)
    interaction = _q(item_body, "matchInteraction", responseIdentifier="RESPONSE", shuffle="true",
                     maxAssociations=str(len(sources)))
    left, right = _q(interaction, "simpleMatchSet"), _q(interaction, "simpleMatchSet")
    for index, text in enumerate(sources):
        _fill(_q(left, "simpleAssociableChoice", identifier=f"s{index + 1}", matchMax="1"), text)
    for identifier, text in targets:
        _fill(_q(right, "simpleAssociableChoice", identifier=identifier, matchMax=match_max), text)
    return "match_correct"


def _write_matching(root, item_body, body):
    pairs = body["pairs"]
    return _write_pairs(root, item_body, [p["left"] for p in pairs],
                        [(f"t{i + 1}", p["right"]) for i, p in enumerate(pairs)],
                        [f"s{i + 1} t{i + 1}" for i in range(len(pairs))], "1")


def _write_true_false_group(root, item_body, body):
    statements = body["statements"]
    return _write_pairs(root, item_body, [s["text"] for s in statements], [("true", "Đúng"), ("false", "Sai")],
                        [f"s{i + 1} {'true' if s.get('correct') else 'false'}" for i, s in enumerate(statements)],
                        str(len(statements)))


def _write_ordering(root, item_body, body):
    ids = [f"i{i + 1}" for i in range(len(body["items"]))]
    _declaration(root, "ordered", "identifier", ids)
    interaction = _q(item_body, "orderInteraction", responseIdentifier="RESPONSE", shuffle="true")
    for identifier, entry in zip(ids, body["items"]):
        _fill(_q(interaction, "simpleChoice", identifier=identifier), entry["text"])
    return "match_correct"


def _write_cloze(root, item_body, body):
    gaps = {gap["id"]: gap for gap in body.get("gaps") or []}
    order: list[str] = []

    def token(match):
        if match.group(1) not in gaps:
            raise ValueError(f"Câu điền khuyết nhắc tới chỗ trống {{{{{match.group(1)}}}}} không có đáp án.")
        order.append(match.group(1))
        return f"\ue100{len(order)}\ue101"

    container = _fill(_q(item_body, "div", **{"class": "stem"}), _GAP.sub(token, cloze_display_text(body)))
    # Gaps were carried through the HTML conversion as private-use tokens; now make them interactions.
    for element in list(container.iter()):
        for attr in ("text", "tail"):
            value = getattr(element, attr)
            if not value or "\ue100" not in value:
                continue
            pieces = _GAP_TOKEN.split(value)
            setattr(element, attr, pieces[0])
            parent = element if attr == "text" else _parent(container, element)
            position = 0 if attr == "text" else list(parent).index(element) + 1
            for number, text_after in zip(pieces[1::2], pieces[2::2]):
                entry = ET.Element(f"textEntryInteraction", responseIdentifier=f"RESPONSE_{number}",
                                   expectedLength="15")
                entry.tail = text_after
                parent.insert(position, entry)
                position += 1
    for number, gap_id in enumerate(order, 1):
        answers = gaps[gap_id]["answers"]
        declaration = _declaration(root, "single", "string", [answers[0]], identifier=f"RESPONSE_{number}")
        _mapping(declaration, answers)
    processing = ET.Element(f"responseProcessing")
    for number in range(1, len(order) + 1):
        # Add one point per gap whose answer is in that gap's mapping.
        condition = _q(_q(processing, "responseCondition"), "responseIf")
        _q(_q(condition, "not"), "isNull").append(ET.Element(f"variable", identifier=f"RESPONSE_{number}"))
        total = _q(_q(condition, "setOutcomeValue", identifier="SCORE"), "sum")
        _q(total, "variable", identifier="SCORE")
        _q(total, "mapResponse", identifier=f"RESPONSE_{number}")
    return processing


def _parent(container: ET.Element, child: ET.Element) -> ET.Element:
    for element in container.iter():
        if child in list(element):
            return element
    return container


_WRITERS = {"single_choice": lambda r, b, q: _write_choices(r, b, q, True),
            "multiple_choice": lambda r, b, q: _write_choices(r, b, q, False),
            "true_false": _write_true_false, "short_answer": _write_short_answer, "essay": _write_essay,
            "matching": _write_matching, "true_false_group": _write_true_false_group,
            "ordering": _write_ordering}


def dump_item(item: dict, identifier: str = "item-1") -> bytes:
    """One QTI 2.1 ``assessmentItem`` document (images stay as ``cid:`` links; use a package to carry them)."""
    return _xml_bytes(build_item(item, identifier), QTI_NS)


def _xml_bytes(element: ET.Element, namespace: str) -> bytes:
    # Elements are built unqualified under a literal xmlns attribute: the output is properly namespaced
    # without touching ElementTree's global prefix registry, which other code shares.
    element.set("xmlns", namespace)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


@register
class QtiFormat(Format):
    name = "qti"
    extensions = (".zip", ".xml")
    supported_types = frozenset({"single_choice", "multiple_choice", "true_false", "true_false_group",
                                 "short_answer", "matching", "ordering", "cloze", "essay"})

    def parse(self, stream: BinaryIO) -> ParseResult:
        """Parse a QTI content package (zip) or a single assessmentItem XML file."""
        data = read_limited(stream)
        result = ParseResult()
        if data[:4] == b"PK\x03\x04":
            self._package(data, result)
        else:
            self._item(parse_xml(data), 1, "Câu 1", result, {})
        return result

    @staticmethod
    def _item(root, number: int, location: str, result: ParseResult, images: dict[str, ImageBlob]) -> None:
        notes: list[str] = []
        try:
            body, meta = parse_item(root, notes)
        except _Skip as exc:
            result.problems.append(ImportProblem(number, None, str(exc)))
            return
        used = [blob for name, blob in images.items() if f"cid:{name}" in repr(body)]
        result.drafts.append(Draft(body=body, meta=meta, location=location, images=used))
        result.problems.extend(ImportProblem(number, None, note) for note in notes)

    def _package(self, data: bytes, result: ParseResult) -> None:
        archive = open_safe_zip(data)
        names = set(archive.namelist())
        if "imsmanifest.xml" not in names:
            raise ImportRejected("Gói QTI thiếu tệp imsmanifest.xml.")
        manifest = parse_xml(read_zip_member(archive, "imsmanifest.xml"))
        resources = [r for r in _find_all(manifest, "resource") if (r.get("type") or "").startswith("imsqti_item")]
        if not resources:
            raise ImportRejected("Gói QTI không liệt kê câu hỏi nào (resource imsqti_item).")
        for number, resource in enumerate(resources, 1):
            href = posixpath.normpath(unquote(resource.get("href") or ""))
            if href not in names:
                result.problems.append(ImportProblem(number, None, f"Gói QTI thiếu tệp câu hỏi '{href}'."))
                continue
            try:
                root = parse_xml(read_zip_member(archive, href))
            except ImportRejected as exc:
                result.problems.append(ImportProblem(number, None, f"{href}: {exc.message}"))
                continue
            images = self._images(archive, names, root, posixpath.dirname(href))
            self._item(root, number, f"Câu {number} ({href})", result, images)

    @staticmethod
    def _images(archive: zipfile.ZipFile, names: set[str], root, base: str) -> dict[str, ImageBlob]:
        """Load images an item links to and point its ``src`` at ``cid:`` names."""
        images: dict[str, ImageBlob] = {}
        for element in root.iter():
            src = element.get("src") if _local(element.tag) in ("img", "object") else None
            if not src or "://" in src or src.startswith(("data:", "cid:")):
                continue
            path = posixpath.normpath(posixpath.join(base, unquote(src)))
            if path.startswith("..") or path not in names:
                continue
            name = posixpath.basename(path)
            images[name] = ImageBlob(name=name, content_type=guess_content_type(name),
                                     data=read_zip_member(archive, path))
            element.set("src", f"cid:{name}")
        return images

    def export(self, items: list[dict]) -> ExportResult:
        """A QTI 2.1 content package: one item file per question, images under items/images/."""
        skipped = self.unsupported(items)
        bad = {p.item for p in skipped}
        manifest = ET.Element("manifest", identifier="MANIFEST-hoc-lieu-so")
        metadata = ET.SubElement(manifest, f"metadata")
        ET.SubElement(metadata, f"schema").text = "QTIv2.1 Package"
        ET.SubElement(metadata, f"schemaversion").text = "1.0.0"
        ET.SubElement(manifest, f"organizations")
        resources = ET.SubElement(manifest, f"resources")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for number, item in enumerate(items, 1):
                if number in bad:
                    continue
                identifier = f"item-{number}"
                images = {image.name: image for image in item.get("images") or []}
                try:
                    element = build_item(item, identifier)
                except ValueError as exc:
                    skipped.append(ImportProblem(number, None, str(exc)))
                    continue
                href = f"items/{identifier}.xml"
                resource = ET.SubElement(resources, f"resource", identifier=identifier,
                                         type="imsqti_item_xmlv2p1", href=href)
                ET.SubElement(resource, f"file", href=href)
                for node in element.iter():
                    src = node.get("src") or ""
                    if src.startswith("cid:") and unquote(src[4:]) in images:
                        name = unquote(src[4:])
                        node.set("src", f"images/{identifier}/{name}")
                        if f"items/images/{identifier}/{name}" not in archive.namelist():
                            archive.writestr(f"items/images/{identifier}/{name}", images[name].data)
                            ET.SubElement(resource, f"file", href=f"items/images/{identifier}/{name}")
                archive.writestr(href, _xml_bytes(element, QTI_NS))
            archive.writestr("imsmanifest.xml", _xml_bytes(manifest, CP_NS))
        return ExportResult(buffer.getvalue(), sorted(skipped, key=lambda p: p.item))
