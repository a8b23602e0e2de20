"""What the readers of one QTI item share: its declarations, analysed rules, notes and feedback slots, and
the stem around an interaction."""
from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree as ET

from question_bank.formats.base import parse_decimal
from question_bank.formats.qti.processing import Processing
from question_bank.formats.qti.xhtml import find, find_all, inner_html, local, text_of


class Skip(Exception):
    """This item cannot be imported; the message says why."""


class ItemContext:
    """What the readers share about one item: declarations, analysed rules, notes, feedback slots."""

    def __init__(self, root: ET.Element, notes: list[str]):
        self.root = root
        self.notes = notes
        self.declarations = {d.get("identifier"): d for d in find_all(root, "responseDeclaration")}
        self.processing = Processing(root)
        #: QTI value (choice identifier, accepted text) -> the body entry its feedback belongs to.
        self.slots: dict[str, dict] = {}
        self.response: str | None = None

    def values(self, identifier: str | None) -> list[str]:
        declaration = self.declarations.get(identifier)
        correct = find(declaration, "correctResponse") if declaration is not None else None
        return [(v.text or "").strip() for v in find_all(correct, "value")] if correct is not None else []

    def mapping(self, identifier: str | None) -> dict[str, Decimal]:
        """mapKey -> mappedValue of the response's mapping (only when the rules score by it)."""
        declaration = self.declarations.get(identifier)
        if declaration is None or not self.processing.uses_mapping:
            return {}
        entries = {}
        for entry in find_all(declaration, "mapEntry"):
            value = parse_decimal(entry.get("mappedValue") or "")
            if value is not None:
                entries[(entry.get("mapKey") or "").strip()] = value
        return entries

    def key(self, identifier: str | None) -> list[str]:
        """The correct values: declared, else the mapping's positive keys, else those the rules score."""
        declared = self.values(identifier)
        if declared:
            return declared
        mapped = [k for k, v in self.mapping(identifier).items() if v > 0]
        if mapped:
            return mapped
        combinations = self.processing.combinations(identifier)
        if len(combinations) > 1:
            raise Skip(f"Quy tắc chấm chấp nhận {len(combinations)} tổ hợp đáp án khác nhau; câu hỏi của ngân hàng "
                       "chỉ có một bộ đáp án đúng — hãy chọn một tổ hợp rồi nhập lại.")
        return combinations[0] if combinations else self.processing.keys(identifier)


def scorer_only(element: ET.Element) -> bool:
    return local(element.tag) == "rubricBlock" and "scorer" in (element.get("view") or "")


def rubric(element: ET.Element) -> str | None:
    """A rubric block in the text: left out when it is for scorers, its content when candidates see it."""
    if local(element.tag) != "rubricBlock":
        return None
    return "" if scorer_only(element) else inner_html(element)


def stem_of(body_el: ET.Element, interaction: ET.Element, passage: str = "") -> str:
    """The text around the interaction, its prompt, and (hottext, gapMatch) the passage inside it."""
    def drop(element):
        if rubric(element) is not None:
            return rubric(element)
        # Leave out the interaction, and a container that held nothing but it.
        if element is interaction or (interaction in element.iter() and not text_of(_without(element, interaction))):
            return ""
        return None
    stem = unwrap_stem(inner_html(body_el, replace=drop))
    prompt = find(interaction, "prompt")
    parts = [stem, inner_html(prompt) if prompt is not None else "", passage]
    stem = " ".join(filter(None, parts))
    if not stem:
        raise Skip("Câu hỏi không có nội dung (đề bài).")
    return stem


def _without(element: ET.Element, interaction: ET.Element) -> ET.Element:
    """A copy of ``element`` without ``interaction`` (to see whether anything else is in it)."""
    copy = ET.Element(element.tag, element.attrib)
    copy.text = element.text
    for child in element:
        if child is interaction:
            continue
        copy.append(_without(child, interaction) if interaction in child.iter() else child)
    return copy


def unwrap_stem(markup: str) -> str:
    match = re.fullmatch(r'<div class="stem">(.*)</div>', markup, re.S)
    return match.group(1).strip() if match else markup
