"""One QTI ``assessmentItem`` -> a question body of the bank (teacher shape, API.md).

Interactions and the bank type they become: choice -> single/multiple choice (true/false for a plain true/false
pair), textEntry -> short answer (numbers keep their tolerance), extendedText -> essay, match -> matching or a
true/false group, order -> ordering, inline textEntry/inlineChoice gaps -> cloze, gapMatch -> cloze (typed
instead of dragged), hottext -> single/multiple choice over the hot spans, associate -> matching, slider ->
numeric short answer (typed instead of slid). Keys come
from ``correctResponse``, from a ``mapping`` under map_response, or from simple rules in
``responseProcessing`` (processing.py). Feedback goes where the bank keeps it: per option or accepted answer,
or the explanation when it is shown every time. Whatever the bank cannot keep exactly is said in ``notes``
(import warnings), never dropped silently.
"""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from question_bank.formats.base import html_to_text, number_id
from question_bank.formats.qti.context import ItemContext, Skip, rubric, unwrap_stem
from question_bank.formats.qti.feedback import place_feedback
from question_bank.formats.qti.interactions import READERS, accepted_texts, numbers
from question_bank.formats.qti.xhtml import find, find_all, inner_html, local, text_of

INTERACTIONS = {"choiceInteraction", "textEntryInteraction", "extendedTextInteraction", "matchInteraction",
                "orderInteraction", "inlineChoiceInteraction", "gapMatchInteraction", "hottextInteraction",
                "associateInteraction", "sliderInteraction"}
_INLINE = {"textEntryInteraction", "inlineChoiceInteraction"}
#: Item identifiers this exporter generates; they name no question, so they are not kept as ``idnumber``.
GENERATED_ID = re.compile(r"^item-\d+$")


def parse_item(root: ET.Element, notes: list[str]) -> tuple[dict, dict]:
    """Convert one parsed ``assessmentItem`` element into (body, meta); raises Skip when impossible."""
    if local(root.tag) != "assessmentItem":
        raise Skip("Tệp không phải là assessmentItem QTI.")
    body_el = find(root, "itemBody")
    if body_el is None:
        raise Skip("Câu hỏi QTI thiếu itemBody.")
    if find(root, "templateDeclaration") is not None:
        # Values drawn at random per attempt (templateProcessing) have no fixed text or key to store.
        raise Skip("Câu hỏi QTI có tham số sinh ngẫu nhiên (templateDeclaration) — ngân hàng chỉ lưu câu có nội "
                   "dung và đáp án cố định.")
    interactions = [e for e in body_el.iter() if local(e.tag) in INTERACTIONS]
    unknown = sorted({local(e.tag) for e in body_el.iter() if local(e.tag).endswith("Interaction")} - INTERACTIONS)
    if unknown:
        raise Skip(f"Loại tương tác QTI không có loại câu hỏi tương ứng trong ngân hàng: {', '.join(unknown)}.")
    if not interactions:
        raise Skip("Câu hỏi QTI không có tương tác (interaction) nào.")
    item = ItemContext(root, notes)
    inline = [e for e in interactions if local(e.tag) in _INLINE]
    if len(inline) == len(interactions) and not _is_lone_entry(body_el, inline):
        body = _cloze(item, body_el, inline)
    elif len(interactions) == 1:
        interaction = interactions[0]
        item.response = interaction.get("responseIdentifier")
        reader = READERS[local(interaction.tag)]
        body = reader(item, body_el, interaction)
    else:
        raise Skip("Câu hỏi QTI có nhiều tương tác khác loại — chưa được hỗ trợ.")
    place_feedback(item, body)
    if body["type"] == "single_choice" and sorted(item.slots) == ["false", "true"] and \
            not any(o.get("feedback") for o in body["options"]):
        body = {"type": "true_false", "stem": body["stem"], "answer": item.slots["true"]["correct"],
                **{k: body[k] for k in ("explanation",) if k in body}}
    rubric = " ".join(filter(None, (inner_html(r) for r in find_all(body_el, "rubricBlock")
                                    if "scorer" in (r.get("view") or ""))))
    if rubric and body["type"] == "essay":
        body["rubric"] = rubric
    meta: dict = {}
    title = " ".join((root.get("title") or "").split())
    if title:
        meta["name"] = title
        # A title that is only the start of the text (what exports without a name write) adds nothing.
        if title != html_to_text(body.get("stem") or body.get("text") or "")[:80]:
            body["name"] = title[:255]
    identifier = root.get("identifier") or ""
    if identifier and not GENERATED_ID.match(identifier):
        body["idnumber"] = identifier[:100]
    return body, meta


def _is_lone_entry(body_el: ET.Element, inline: list[ET.Element]) -> bool:
    """A single text entry alone in its paragraph is a short-answer question, not a gap in a text."""
    if len(inline) != 1 or local(inline[0].tag) != "textEntryInteraction":
        return False
    for parent in body_el.iter():
        if inline[0] in list(parent):
            return parent is not body_el and not (parent.text or "").strip() and not (inline[0].tail or "").strip() \
                and len(parent) == 1
    return False


def _cloze(item: ItemContext, body_el, inline) -> dict:
    gaps: list[dict] = []

    def gap(element):
        if element not in inline:
            return rubric(element)
        identifier = element.get("responseIdentifier")
        number = len(gaps) + 1
        declaration = item.declarations.get(identifier)
        if local(element.tag) == "inlineChoiceInteraction":
            texts = {c.get("identifier"): text_of(c) for c in element if local(c.tag) == "inlineChoice"}
            answers = [texts[v] for v in item.key(identifier) if v in texts]
            item.notes.append(f"Chỗ trống {number} là danh sách chọn; chỉ giữ đáp án đúng, học sinh sẽ gõ đáp án.")
        elif declaration is not None and declaration.get("baseType") in ("float", "integer"):
            accepted = numbers(item, identifier)
            answers = [format(value.normalize(), "f") for value, _ in accepted]
            if any(tolerance for _, tolerance in accepted):
                item.notes.append(f"Chỗ trống {number} chấp nhận sai số; câu điền khuyết so khớp số chính xác, "
                                  "sai số bị bỏ.")
        else:
            answers = accepted_texts(item, identifier)
        if not answers:
            raise Skip(f"Chỗ trống {number} không khai báo đáp án đúng.")
        gaps.append({"id": number_id(len(gaps)), "answers": answers})
        return "{{%s}}" % gaps[-1]["id"]

    text = unwrap_stem(inner_html(body_el, replace=gap))
    return {"type": "cloze", "stem": "", "text": text, "gaps": gaps}
