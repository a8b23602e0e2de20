"""One QTI ``assessmentItem`` -> a question body of the bank (teacher shape, API.md).

Interactions and the bank type they become: choice -> single/multiple choice (true/false for a plain true/false
pair), textEntry -> short answer (numbers keep their tolerance), extendedText -> essay, match -> matching or a
true/false group, order -> ordering, inline textEntry/inlineChoice gaps -> cloze, gapMatch -> cloze (typed
instead of dragged), hottext -> single/multiple choice over the hot spans, associate -> matching. Keys come
from ``correctResponse``, from a ``mapping`` under map_response, or from simple rules in
``responseProcessing`` (processing.py). Feedback goes where the bank keeps it: per option or accepted answer,
or the explanation when it is shown every time. Whatever the bank cannot keep exactly is said in ``notes``
(import warnings), never dropped silently.
"""
from __future__ import annotations

import html
import re
from decimal import Decimal
from xml.etree import ElementTree as ET

from question_bank.formats.base import html_to_text, json_number, letter_id, number_id, parse_decimal, \
    weights_to_keep
from question_bank.formats.qti.processing import Cond, Processing
from question_bank.formats.qti.xhtml import FEEDBACK_ELEMENTS, find, find_all, inner_html, local, text_of

INTERACTIONS = {"choiceInteraction", "textEntryInteraction", "extendedTextInteraction", "matchInteraction",
                "orderInteraction", "inlineChoiceInteraction", "gapMatchInteraction", "hottextInteraction",
                "associateInteraction"}
_INLINE = {"textEntryInteraction", "inlineChoiceInteraction"}
#: Item identifiers this exporter generates; they name no question, so they are not kept as ``idnumber``.
GENERATED_ID = re.compile(r"^item-\d+$")


class Skip(Exception):
    """This item cannot be imported; the message says why."""


class _Item:
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


def parse_item(root: ET.Element, notes: list[str]) -> tuple[dict, dict]:
    """Convert one parsed ``assessmentItem`` element into (body, meta); raises Skip when impossible."""
    if local(root.tag) != "assessmentItem":
        raise Skip("Tệp không phải là assessmentItem QTI.")
    body_el = find(root, "itemBody")
    if body_el is None:
        raise Skip("Câu hỏi QTI thiếu itemBody.")
    interactions = [e for e in body_el.iter() if local(e.tag) in INTERACTIONS]
    unknown = sorted({local(e.tag) for e in body_el.iter() if local(e.tag).endswith("Interaction")} - INTERACTIONS)
    if unknown:
        raise Skip(f"Loại tương tác QTI không có loại câu hỏi tương ứng trong ngân hàng: {', '.join(unknown)}.")
    if not interactions:
        raise Skip("Câu hỏi QTI không có tương tác (interaction) nào.")
    item = _Item(root, notes)
    inline = [e for e in interactions if local(e.tag) in _INLINE]
    if len(inline) == len(interactions) and not _is_lone_entry(body_el, inline):
        body = _cloze(item, body_el, inline)
    elif len(interactions) == 1:
        interaction = interactions[0]
        item.response = interaction.get("responseIdentifier")
        reader = _READERS[local(interaction.tag)]
        body = reader(item, body_el, interaction)
    else:
        raise Skip("Câu hỏi QTI có nhiều tương tác khác loại — chưa được hỗ trợ.")
    _feedback(item, body)
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


def _scorer_only(element: ET.Element) -> bool:
    return local(element.tag) == "rubricBlock" and "scorer" in (element.get("view") or "")


def _rubric(element: ET.Element) -> str | None:
    """A rubric block in the text: left out when it is for scorers, its content when candidates see it."""
    if local(element.tag) != "rubricBlock":
        return None
    return "" if _scorer_only(element) else inner_html(element)


def _stem(body_el: ET.Element, interaction: ET.Element, passage: str = "") -> str:
    """The text around the interaction, its prompt, and (hottext, gapMatch) the passage inside it."""
    def drop(element):
        if _rubric(element) is not None:
            return _rubric(element)
        # Leave out the interaction, and a container that held nothing but it.
        if element is interaction or (interaction in element.iter() and not text_of(_without(element, interaction))):
            return ""
        return None
    stem = _unwrap_stem(inner_html(body_el, replace=drop))
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


def _unwrap_stem(markup: str) -> str:
    match = re.fullmatch(r'<div class="stem">(.*)</div>', markup, re.S)
    return match.group(1).strip() if match else markup


# --- interactions -------------------------------------------------------------------------------------

def _choice(item: _Item, body_el, interaction) -> dict:
    choices = [c for c in interaction if local(c.tag) == "simpleChoice"]
    return _options(item, body_el, interaction, [(c.get("identifier"), inner_html(c)) for c in choices])


def _hottext(item: _Item, body_el, interaction) -> dict:
    spans = find_all(interaction, "hottext")
    passage = inner_html(interaction, skip={"prompt"},
                         replace=lambda el: f"<u>{inner_html(el)}</u>" if local(el.tag) == "hottext" else None)
    item.notes.append("Câu chọn đoạn trong văn bản (hottext) được nhập thành câu trắc nghiệm: các đoạn gạch chân "
                      "trong đề là các phương án.")
    return _options(item, body_el, interaction, [(s.get("identifier"), inner_html(s)) for s in spans],
                    passage=passage)


def _options(item: _Item, body_el, interaction, choices: list[tuple[str, str]], passage: str = "") -> dict:
    stem = _stem(body_el, interaction, passage)
    if len(choices) < 2:
        raise Skip("Câu trắc nghiệm cần ít nhất 2 phương án.")
    response = item.response
    declaration = item.declarations.get(response)
    correct = set(item.key(response))
    ids = [identifier for identifier, _ in choices]
    if not correct & set(ids):
        raise Skip("Câu trắc nghiệm không khai báo đáp án đúng (correctResponse, mapping hay quy tắc chấm).")
    single = (interaction.get("maxChoices") or "1") == "1" and (
        declaration is None or declaration.get("cardinality", "single") == "single")
    if single and len(correct & set(ids)) != 1:
        raise Skip("Câu một đáp án đúng phải có đúng một đáp án.")
    options = [{"id": letter_id(i), "text": text, "correct": identifier in correct}
               for i, (identifier, text) in enumerate(choices)]
    item.slots = dict(zip(ids, options))
    points = {k: v for k, v in item.mapping(response).items() if k in ids} or item.processing.points(response)
    if single:
        partial = [k for k, v in points.items() if 0 < v and k not in correct]
        if partial:
            item.notes.append("Phương án cho điểm một phần (" + ", ".join(partial) + ") được tính là sai: câu một "
                              "đáp án đúng không có điểm từng phần.")
    elif points:
        _weights(item, options, ids, points)
    return {"type": "single_choice" if single else "multiple_choice", "stem": stem, "options": options}


def _weights(item: _Item, options: list[dict], ids: list[str], points: dict[str, Decimal]) -> None:
    """Option weights (percent of the question) from mapped points, when they agree with the key."""
    total = sum((v for v in points.values() if v > 0), Decimal(0))
    weights = [Decimal(100) * points.get(identifier, Decimal(0)) / total if total else Decimal(0)
               for identifier in ids]
    correct = [o["correct"] for o in options]
    if any(ok != (w > 0) for ok, w in zip(correct, weights)):
        item.notes.append("Điểm từng phương án (mapping) không khớp với đáp án đúng — đã bỏ trọng số, câu được "
                          "chấm như câu nhiều đáp án không có trọng số.")
        return
    kept = weights_to_keep(correct, weights)
    for option, weight in zip(options, kept or []):
        option["weight"] = json_number(round(Decimal(str(weight)), 5).normalize())


def _text_entry(item: _Item, body_el, interaction) -> dict:
    stem = _stem(body_el, interaction)
    identifier = interaction.get("responseIdentifier")
    declaration = item.declarations.get(identifier)
    base = declaration.get("baseType") if declaration is not None else "string"
    if base in ("float", "integer"):
        answers = [{"value": json_number(value), "tolerance": json_number(tolerance)}
                   for value, tolerance in _numbers(item, identifier)]
        for answer in answers:
            item.slots.setdefault(str(answer["value"]), answer)
    else:
        answers = [{"text": t} for t in _accepted_texts(item, identifier)]
        item.slots = {a["text"]: a for a in answers}
    if not answers:
        raise Skip("Câu trả lời ngắn không khai báo đáp án đúng.")
    return {"type": "short_answer", "stem": stem, "answers": answers}


def _accepted_texts(item: _Item, identifier: str) -> list[str]:
    texts = item.values(identifier)
    mapping = item.mapping(identifier)
    if not mapping:
        declaration = item.declarations.get(identifier)
        mapping = {(e.get("mapKey") or "").strip(): parse_decimal(e.get("mappedValue") or "0") or Decimal(0)
                   for e in find_all(declaration, "mapEntry")} if declaration is not None else {}
    best = max(mapping.values(), default=Decimal(0))
    texts += [k for k, v in mapping.items() if v > 0 and v == best]
    partial = [k for k, v in mapping.items() if 0 < v < best]
    if partial:
        item.notes.append("Đáp án cho điểm một phần (" + ", ".join(partial) + ") không được tính là đúng: câu trả "
                          "lời ngắn không có điểm từng phần.")
    texts += item.processing.keys(identifier)
    return [t for t in dict.fromkeys(texts) if t]


def _numbers(item: _Item, identifier: str) -> list[tuple[Decimal, Decimal]]:
    """(value, absolute tolerance) of each accepted number: rules with tolerances first, else the key."""
    declared = [parse_decimal(v) for v in item.values(identifier)]
    found: list[tuple[Decimal, Decimal]] = []
    for cond in item.processing.near(identifier):
        values = [parse_decimal(cond.value)] if cond.value is not None else declared
        for value in values:
            if value is None:
                continue
            tolerance = cond.tolerance or Decimal(0)
            if cond.relative:  # a percentage of the correct value, as an absolute distance
                tolerance = abs(value) * tolerance / 100
            found.append((value, abs(tolerance).normalize()))
    if not found:
        found = [(value, Decimal(0)) for value in declared if value is not None]
        found += [(value, Decimal(0)) for value in map(parse_decimal, item.mapping(identifier)) if value is not None]
    return list(dict.fromkeys(found))


def _extended_text(item: _Item, body_el, interaction) -> dict:
    return {"type": "essay", "stem": _stem(body_el, interaction)}


def _pairs(item: _Item, identifier: str) -> tuple[list[tuple[str, str]], dict[str, Decimal]]:
    mapping = item.mapping(identifier)
    links = [tuple(v.split()[:2]) for v in item.key(identifier) if len(v.split()) >= 2]
    unequal = len({v for k, v in mapping.items() if v > 0}) > 1
    if unequal:
        item.notes.append("Các cặp có số điểm khác nhau (mapping); ngân hàng tính mỗi cặp như nhau.")
    return links, mapping


def _match(item: _Item, body_el, interaction) -> dict:
    stem = _stem(body_el, interaction)
    sets = [s for s in interaction if local(s.tag) == "simpleMatchSet"]
    if len(sets) != 2:
        raise Skip("Câu ghép đôi QTI phải có đúng 2 nhóm (simpleMatchSet).")
    sources = [c for c in sets[0] if local(c.tag) == "simpleAssociableChoice"]
    targets = {c.get("identifier"): c for c in sets[1] if local(c.tag) == "simpleAssociableChoice"}
    links, _ = _pairs(item, interaction.get("responseIdentifier"))
    by_source: dict[str, str] = {}
    for source, target in links:
        by_source.setdefault(source, target)
    if sorted(targets) == ["false", "true"]:
        statements = [{"id": letter_id(i), "text": inner_html(s), "correct": by_source.get(s.get("identifier")) == "true"}
                      for i, s in enumerate(sources)]
        return {"type": "true_false_group", "stem": stem, "statements": statements}
    pairs, unused = [], []
    for source in sources:
        target = targets.get(by_source.get(source.get("identifier")))
        if target is None:
            unused.append(text_of(source))
            continue
        pairs.append({"id": number_id(len(pairs)), "left": inner_html(source), "right": inner_html(target)})
    used = set(by_source.values())
    unused += [text_of(t) for k, t in targets.items() if k not in used]
    if unused:
        item.notes.append("Các mục không thuộc cặp đúng nào bị bỏ (câu ghép đôi của ngân hàng không có mục nhiễu): "
                          + "; ".join(unused) + ".")
    if len(pairs) < 2:
        raise Skip("Câu ghép đôi cần ít nhất 2 cặp.")
    return {"type": "matching", "stem": stem, "pairs": pairs}


def _associate(item: _Item, body_el, interaction) -> dict:
    stem = _stem(body_el, interaction)
    choices = {c.get("identifier"): c for c in interaction if local(c.tag) == "simpleAssociableChoice"}
    links, _ = _pairs(item, interaction.get("responseIdentifier"))
    pairs = []
    for first, second in links:
        if first in choices and second in choices:
            pairs.append({"id": number_id(len(pairs)), "left": inner_html(choices[first]),
                          "right": inner_html(choices[second])})
    used = {name for link in links for name in link}
    unused = [text_of(c) for k, c in choices.items() if k not in used]
    item.notes.append("Câu ghép cặp tự do (associate) được nhập thành câu ghép đôi: vế trái là mục thứ nhất của mỗi "
                      "cặp đúng" + (f"; các mục không thuộc cặp nào bị bỏ: {'; '.join(unused)}." if unused else "."))
    if len(pairs) < 2:
        raise Skip("Câu ghép cặp cần ít nhất 2 cặp đúng (correctResponse).")
    return {"type": "matching", "stem": stem, "pairs": pairs}


def _order(item: _Item, body_el, interaction) -> dict:
    stem = _stem(body_el, interaction)
    choices = {c.get("identifier"): c for c in interaction if local(c.tag) == "simpleChoice"}
    order = item.values(interaction.get("responseIdentifier"))
    if sorted(order) != sorted(choices) or len(order) < 2:
        raise Skip("Câu sắp xếp phải khai báo thứ tự đúng của mọi mục.")
    return {"type": "ordering", "stem": stem,
            "items": [{"id": number_id(i), "text": inner_html(choices[k])} for i, k in enumerate(order)]}


def _gap_match(item: _Item, body_el, interaction) -> dict:
    if find(interaction, "gapImg") is not None:
        raise Skip("Câu kéo thả hình vào chỗ trống (gapImg) không có loại câu hỏi tương ứng.")
    words = {c.get("identifier"): text_of(c) for c in interaction if local(c.tag) == "gapText"}
    links, _ = _pairs(item, interaction.get("responseIdentifier"))
    gaps: list[dict] = []

    def gap(element):
        if local(element.tag) != "gap":
            return None
        answers = [words[w] for w, g in links if g == element.get("identifier") and words.get(w)]
        if not answers:
            raise Skip(f"Chỗ trống {len(gaps) + 1} (gap {element.get('identifier')}) không có đáp án đúng.")
        gaps.append({"id": number_id(len(gaps)), "answers": list(dict.fromkeys(answers))})
        return "{{%s}}" % gaps[-1]["id"]

    def around(element):
        if element is interaction:
            return inner_html(interaction, skip={"prompt", "gapText"}, replace=gap)
        return _rubric(element)

    text = _unwrap_stem(inner_html(body_el, replace=around))
    prompt = find(interaction, "prompt")
    used = {w for w, _ in links}
    unused = [t for k, t in words.items() if k not in used]
    item.notes.append("Câu kéo thả vào chỗ trống (gapMatch) được nhập thành câu điền khuyết: học sinh gõ đáp án "
                      "thay vì kéo thả" + (f"; các thẻ nhiễu bị bỏ: {'; '.join(unused)}." if unused else "."))
    return {"type": "cloze", "stem": inner_html(prompt) if prompt is not None else "", "text": text, "gaps": gaps}


_READERS = {"choiceInteraction": _choice, "textEntryInteraction": _text_entry, "hottextInteraction": _hottext,
            "extendedTextInteraction": _extended_text, "matchInteraction": _match, "orderInteraction": _order,
            "gapMatchInteraction": _gap_match, "associateInteraction": _associate}


def _cloze(item: _Item, body_el, inline) -> dict:
    gaps: list[dict] = []

    def gap(element):
        if element not in inline:
            return _rubric(element)
        identifier = element.get("responseIdentifier")
        number = len(gaps) + 1
        declaration = item.declarations.get(identifier)
        if local(element.tag) == "inlineChoiceInteraction":
            texts = {c.get("identifier"): text_of(c) for c in element if local(c.tag) == "inlineChoice"}
            answers = [texts[v] for v in item.key(identifier) if v in texts]
            item.notes.append(f"Chỗ trống {number} là danh sách chọn; chỉ giữ đáp án đúng, học sinh sẽ gõ đáp án.")
        elif declaration is not None and declaration.get("baseType") in ("float", "integer"):
            numbers = _numbers(item, identifier)
            answers = [format(value.normalize(), "f") for value, _ in numbers]
            if any(tolerance for _, tolerance in numbers):
                item.notes.append(f"Chỗ trống {number} chấp nhận sai số; câu điền khuyết so khớp số chính xác, "
                                  "sai số bị bỏ.")
        else:
            answers = _accepted_texts(item, identifier)
        if not answers:
            raise Skip(f"Chỗ trống {number} không khai báo đáp án đúng.")
        gaps.append({"id": number_id(len(gaps)), "answers": answers})
        return "{{%s}}" % gaps[-1]["id"]

    text = _unwrap_stem(inner_html(body_el, replace=gap))
    return {"type": "cloze", "stem": "", "text": text, "gaps": gaps}


# --- feedback ---------------------------------------------------------------------------------------

_LABELS = {"correct": "Khi trả lời đúng", "incorrect": "Khi trả lời sai", "empty": "Khi bỏ trống",
           "not_chosen": "Khi không chọn phương án này"}


def _feedback(item: _Item, body: dict) -> None:
    """Place every modal, inline and block feedback of the item, or report where it went."""
    # Feedback in the body first (it sits next to what it is about), then the modal ones.
    elements = [e for e in item.root.iter() if local(e.tag) in FEEDBACK_ELEMENTS] + find_all(item.root,
                                                                                              "modalFeedback")
    explanation: list[str] = []
    for element in elements:
        content = inner_html(element)
        if element.get("title"):
            content = f"<strong>{html.escape(element.get('title'))}</strong> {content}".strip()
        if not html_to_text(content) and "<img" not in content:  # authoring tools leave empty <p/> feedback
            continue
        cond = item.processing.feedback_condition(element.get("outcomeIdentifier"), element.get("identifier"),
                                                  element.get("showHide"))
        if cond.kind == "always":
            explanation.append(content)
            continue
        targets = _targets(item, body, cond)
        if targets:
            for target in targets:
                target["feedback"] = " ".join(filter(None, (target.get("feedback"), content)))
            continue
        label = _LABELS.get(cond.kind) or (f"Khi chọn {cond.value}" if cond.kind == "chosen" else
                                           "Phản hồi có điều kiện")
        explanation.append(f"<p><em>{label}:</em> {content}</p>")
        item.notes.append(f"Phản hồi {element.get('outcomeIdentifier')}={element.get('identifier')} "
                          f"({label.lower()}) không có chỗ tương ứng trong câu hỏi — đã đưa vào lời giải.")
    if explanation:
        body["explanation"] = " ".join(explanation)


def _targets(item: _Item, body: dict, cond: Cond) -> list[dict]:
    kind = body["type"]
    if cond.response not in (None, item.response):
        return []
    if cond.kind in ("chosen", "near") and cond.value in item.slots:
        return [item.slots[cond.value]]
    if cond.kind == "near" and cond.value is not None:
        value = parse_decimal(cond.value)
        return [a for a in body.get("answers") or [] if "value" in a and value == Decimal(str(a["value"]))]
    if kind in ("single_choice", "multiple_choice") and cond.kind == "not_chosen" and cond.value in item.slots:
        if kind == "single_choice" and item.slots[cond.value]["correct"]:
            return [o for o in body["options"] if not o["correct"]]  # "not the key" is "a wrong option"
        return []
    if kind == "single_choice" and cond.kind in ("correct", "incorrect"):
        return [o for o in body["options"] if o["correct"] == (cond.kind == "correct")]
    if kind == "short_answer" and cond.kind == "correct":
        return list(body["answers"])
    return []
