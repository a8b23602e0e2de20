"""QTI interactions -> bank question types (see reading.py for the mapping); each reader returns a body and
records in ``item.slots`` which body entry a response value's feedback belongs to."""
from __future__ import annotations

from decimal import Decimal

from question_bank.formats.base import json_number, letter_id, number_id, parse_decimal, weights_to_keep
from question_bank.formats.qti.context import ItemContext, Skip, rubric, stem_of, unwrap_stem
from question_bank.formats.qti.xhtml import find, find_all, inner_html, local, text_of


def _choice(item: ItemContext, body_el, interaction) -> dict:
    choices = [c for c in interaction if local(c.tag) == "simpleChoice"]
    return _options(item, body_el, interaction, [(c.get("identifier"), inner_html(c)) for c in choices])


def _hottext(item: ItemContext, body_el, interaction) -> dict:
    spans = find_all(interaction, "hottext")
    passage = inner_html(interaction, skip={"prompt"},
                         replace=lambda el: f"<u>{inner_html(el)}</u>" if local(el.tag) == "hottext" else None)
    item.notes.append("Câu chọn đoạn trong văn bản (hottext) được nhập thành câu trắc nghiệm: các đoạn gạch chân "
                      "trong đề là các phương án.")
    return _options(item, body_el, interaction, [(s.get("identifier"), inner_html(s)) for s in spans],
                    passage=passage)


def _options(item: ItemContext, body_el, interaction, choices: list[tuple[str, str]], passage: str = "") -> dict:
    stem = stem_of(body_el, interaction, passage)
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


def _weights(item: ItemContext, options: list[dict], ids: list[str], points: dict[str, Decimal]) -> None:
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


def _text_entry(item: ItemContext, body_el, interaction) -> dict:
    stem = stem_of(body_el, interaction)
    identifier = interaction.get("responseIdentifier")
    declaration = item.declarations.get(identifier)
    base = declaration.get("baseType") if declaration is not None else "string"
    if base in ("float", "integer"):
        answers = [{"value": json_number(value), "tolerance": json_number(tolerance)}
                   for value, tolerance in numbers(item, identifier)]
        for answer in answers:
            item.slots.setdefault(str(answer["value"]), answer)
    else:
        answers = [{"text": t} for t in accepted_texts(item, identifier)]
        item.slots = {a["text"]: a for a in answers}
    if not answers:
        raise Skip("Câu trả lời ngắn không khai báo đáp án đúng.")
    return {"type": "short_answer", "stem": stem, "answers": answers}


def _mapped(item: ItemContext, identifier: str) -> list[str]:
    """Map keys worth full marks; those worth part of them are reported (the bank has no partial answers)."""
    mapping = item.mapping(identifier)  # only when the rules score by it: match_correct ignores a mapping
    best = max(mapping.values(), default=Decimal(0))
    partial = [k for k, v in mapping.items() if 0 < v < best]
    if partial:
        item.notes.append("Đáp án cho điểm một phần (" + ", ".join(partial) + ") không được tính là đúng: câu trả "
                          "lời ngắn không có điểm từng phần.")
    return [k for k, v in mapping.items() if v > 0 and v == best]


def accepted_texts(item: ItemContext, identifier: str) -> list[str]:
    texts = item.values(identifier) + _mapped(item, identifier) + item.processing.keys(identifier)
    return [t for t in dict.fromkeys(texts) if t]


def numbers(item: ItemContext, identifier: str) -> list[tuple[Decimal, Decimal]]:
    """(value, absolute tolerance) of each accepted number: rules with tolerances first, else the key."""
    declared = [parse_decimal(v) for v in item.values(identifier)]
    found: list[tuple[Decimal, Decimal]] = []
    for cond in item.processing.near(identifier):
        values = [parse_decimal(cond.value)] if cond.value is not None else declared
        for value in values:
            if value is None:
                item.notes.append(f"Giá trị '{cond.value}' trong quy tắc chấm không phải là số — đã bỏ qua giá trị này.")
                continue
            tolerance = cond.tolerance or Decimal(0)
            if cond.relative:  # a percentage of the correct value, as an absolute distance
                tolerance = abs(value) * tolerance / 100
            found.append((value, abs(tolerance).normalize()))
    if not found:
        found = [(value, Decimal(0)) for value in declared if value is not None]
        found += [(value, Decimal(0)) for value in map(parse_decimal, _mapped(item, identifier)) if value is not None]
    return list(dict.fromkeys(found))


def _slider(item: ItemContext, body_el, interaction) -> dict:
    stem = stem_of(body_el, interaction)
    answers = [{"value": json_number(value), "tolerance": json_number(tolerance)}
               for value, tolerance in numbers(item, interaction.get("responseIdentifier"))]
    if not answers:
        raise Skip("Câu thanh trượt (slider) không khai báo đáp án đúng.")
    item.notes.append(f"Câu thanh trượt (slider, {interaction.get('lowerBound')}–{interaction.get('upperBound')}) được "
                      "nhập thành câu trả lời ngắn dạng số: học sinh gõ số thay vì kéo thanh trượt.")
    return {"type": "short_answer", "stem": stem, "answers": answers}


def _extended_text(item: ItemContext, body_el, interaction) -> dict:
    return {"type": "essay", "stem": stem_of(body_el, interaction)}


def _pairs(item: ItemContext, identifier: str) -> tuple[list[tuple[str, str]], dict[str, Decimal]]:
    mapping = item.mapping(identifier)
    links = [tuple(v.split()[:2]) for v in item.key(identifier) if len(v.split()) >= 2]
    unequal = len({v for k, v in mapping.items() if v > 0}) > 1
    if unequal:
        item.notes.append("Các cặp có số điểm khác nhau (mapping); ngân hàng tính mỗi cặp như nhau.")
    return links, mapping


def _one_link_each(links: list[tuple[str, ...]], symmetric: bool = False) -> dict[str, str]:
    """source -> target of the correct pairs. A source (for associate: any choice) in two correct pairs cannot
    become one bank pair without changing the key, so the item is refused instead."""
    seen: dict[str, str] = {}
    names = [name for link in links for name in link] if symmetric else [source for source, _ in links]
    for name in names:
        if names.count(name) > 1:
            raise Skip(f"Mục '{name}' thuộc nhiều cặp đúng; câu ghép đôi của ngân hàng ghép mỗi mục với một "
                       "mục — không nhập để khỏi làm sai đáp án.")
    for source, target in links:
        seen[source] = target
    return seen


def _match(item: ItemContext, body_el, interaction) -> dict:
    stem = stem_of(body_el, interaction)
    sets = [s for s in interaction if local(s.tag) == "simpleMatchSet"]
    if len(sets) != 2:
        raise Skip("Câu ghép đôi QTI phải có đúng 2 nhóm (simpleMatchSet).")
    sources = [c for c in sets[0] if local(c.tag) == "simpleAssociableChoice"]
    targets = {c.get("identifier"): c for c in sets[1] if local(c.tag) == "simpleAssociableChoice"}
    links, _ = _pairs(item, interaction.get("responseIdentifier"))
    by_source = _one_link_each(links)
    if sorted(targets) == ["false", "true"]:
        if any(s.get("identifier") not in by_source for s in sources):
            raise Skip("Câu đúng/sai nhiều ý: có ý không được nối với Đúng hay Sai trong đáp án.")
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


def _associate(item: ItemContext, body_el, interaction) -> dict:
    stem = stem_of(body_el, interaction)
    choices = {c.get("identifier"): c for c in interaction if local(c.tag) == "simpleAssociableChoice"}
    links, _ = _pairs(item, interaction.get("responseIdentifier"))
    pairs = []
    for first, second in links:
        if first in choices and second in choices:
            pairs.append({"id": number_id(len(pairs)), "left": inner_html(choices[first]),
                          "right": inner_html(choices[second])})
    _one_link_each(links, symmetric=True)
    used = {name for link in links for name in link}
    unused = [text_of(c) for k, c in choices.items() if k not in used]
    item.notes.append("Câu ghép cặp tự do (associate) được nhập thành câu ghép đôi: vế trái là mục thứ nhất của mỗi "
                      "cặp đúng" + (f"; các mục không thuộc cặp nào bị bỏ: {'; '.join(unused)}." if unused else "."))
    if len(pairs) < 2:
        raise Skip("Câu ghép cặp cần ít nhất 2 cặp đúng (correctResponse).")
    return {"type": "matching", "stem": stem, "pairs": pairs}


def _order(item: ItemContext, body_el, interaction) -> dict:
    stem = stem_of(body_el, interaction)
    choices = {c.get("identifier"): c for c in interaction if local(c.tag) == "simpleChoice"}
    order = item.values(interaction.get("responseIdentifier"))
    if sorted(order) != sorted(choices) or len(order) < 2:
        raise Skip("Câu sắp xếp phải khai báo thứ tự đúng của mọi mục.")
    return {"type": "ordering", "stem": stem,
            "items": [{"id": number_id(i), "text": inner_html(choices[k])} for i, k in enumerate(order)]}


def _gap_match(item: ItemContext, body_el, interaction) -> dict:
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
        return rubric(element)

    text = unwrap_stem(inner_html(body_el, replace=around))
    prompt = find(interaction, "prompt")
    used = {w for w, _ in links}
    unused = [t for k, t in words.items() if k not in used]
    item.notes.append("Câu kéo thả vào chỗ trống (gapMatch) được nhập thành câu điền khuyết: học sinh gõ đáp án "
                      "thay vì kéo thả" + (f"; các thẻ nhiễu bị bỏ: {'; '.join(unused)}." if unused else "."))
    return {"type": "cloze", "stem": inner_html(prompt) if prompt is not None else "", "text": text, "gaps": gaps}


READERS = {"choiceInteraction": _choice, "textEntryInteraction": _text_entry, "hottextInteraction": _hottext,
            "extendedTextInteraction": _extended_text, "matchInteraction": _match, "orderInteraction": _order,
            "gapMatchInteraction": _gap_match, "associateInteraction": _associate, "sliderInteraction": _slider}
