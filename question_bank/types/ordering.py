"""Ordering (sắp xếp): put the items in the right order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank.types.base import Errors, Outcome, QuestionType, assign_ids, clean_html, entry_list, \
    letter_ids, neutral_order, register, require, stable_id

MIN_ITEMS = 2
MAX_ITEMS = 20


@register
class Ordering(QuestionType):
    """Items ``[{id, text}]`` stored in the correct order; the answer is every item id, in the chosen order.

    Generated ids are hashes of the texts, so they do not spell out the order; students receive the items
    in a neutral (hash-sorted) order. Each position holding the right item is one part.
    """

    name = "ordering"
    label = "Sắp xếp thứ tự"

    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        entries = entry_list(body, "items", errors, minimum=MIN_ITEMS, maximum=MAX_ITEMS)
        assign_ids(entries, "items", errors, lambda _index, entry: "i" + stable_id("item", str(entry.get("text"))))
        items = [
            {"id": entry.get("id"), "text": clean_html(entry.get("text"), f"items.{index}.text", errors)}
            for index, entry in enumerate(entries)
        ]
        return {"items": items}

    def shown_items(self, body: Mapping) -> list[dict]:
        return [{"id": item["id"], "text": item["text"]} for item in neutral_order(body["items"], "items")]

    def student_fields(self, body: Mapping) -> dict:
        return {"items": self.shown_items(body)}

    def normalise_answer(self, body: Mapping, answer: Any) -> list[str]:
        require(isinstance(answer, list), "Câu trả lời phải là danh sách mã theo thứ tự.")
        known = [item["id"] for item in body["items"]]
        for item_id in answer:
            require(isinstance(item_id, str) and item_id in known, f"Không có mục '{item_id}'.")
        require(sorted(answer) == sorted(known), "Phải sắp xếp đủ mọi mục, mỗi mục một lần.")
        return list(answer)

    def parts_total(self, body: Mapping) -> int:
        return len(body["items"])

    def score_checked(self, body: Mapping, answer: list[str]) -> Outcome:
        right = sum(1 for item, given in zip(body["items"], answer) if item["id"] == given)
        return Outcome.of_parts(right, len(body["items"]))

    def correct_answer(self, body: Mapping) -> list[str]:
        return [item["id"] for item in body["items"]]

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        """The correct sequence as letters of the printed order (default: the student view's)."""
        printed = order or [item["id"] for item in self.shown_items(body)]
        letters = dict(zip(printed, (letter.upper() for letter in letter_ids(len(printed)))))
        return ", ".join(letters[item["id"]] for item in body["items"])
