"""Where each QTI feedback (modal, inline, block) goes in a bank question: the option or accepted answer it
is about, the explanation when it is shown every time, or — labelled and reported — the explanation when the
bank has no place for it."""
from __future__ import annotations

import html
from decimal import Decimal

from question_bank.formats.base import html_to_text, parse_decimal
from question_bank.formats.qti.context import ItemContext
from question_bank.formats.qti.processing import Cond
from question_bank.formats.qti.xhtml import FEEDBACK_ELEMENTS, find_all, inner_html, local

_LABELS = {"correct": "Khi trả lời đúng", "incorrect": "Khi trả lời sai", "empty": "Khi bỏ trống",
           "not_chosen": "Khi không chọn phương án này"}


def place_feedback(item: ItemContext, body: dict) -> None:
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


def _targets(item: ItemContext, body: dict, cond: Cond) -> list[dict]:
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
