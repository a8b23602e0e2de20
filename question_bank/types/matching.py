"""Matching (ghép nối): pair each left item with its right item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank.content import normalize_text, plain_text
from question_bank.types.base import ID_PATTERN, Errors, Outcome, QuestionType, assign_ids, clean_html, entry_list, \
    letter_ids, neutral_order, register, require, stable_id

MIN_PAIRS = 2
MAX_PAIRS = 20


def right_id_for(text: str) -> str:
    """The id of a right-hand text, derived from the text alone so it reveals nothing about its pair."""
    return "r" + stable_id("right", normalize_text(plain_text(text)))


@register
class Matching(QuestionType):
    """Pairs ``[{id, left, right}]``; the answer maps left ids (the pair ids) to right ids.

    Right texts get their own ids (``right_id``, stored in the body); equal right texts share one id, so a
    right item may serve several lefts. Students see ``lefts`` in the body's order and ``rights`` in a
    neutral order, never the pairs themselves.
    """

    name = "matching"
    label = "Ghép nối"

    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        entries = entry_list(body, "pairs", errors, minimum=MIN_PAIRS, maximum=MAX_PAIRS)
        assign_ids(entries, "pairs", errors, lambda _index, entry: "l" + stable_id("left", str(entry.get("left"))))
        pairs = []
        right_texts: dict[str, str] = {}
        for index, entry in enumerate(entries):
            left = clean_html(entry.get("left"), f"pairs.{index}.left", errors)
            right = clean_html(entry.get("right"), f"pairs.{index}.right", errors)
            right_id = entry.get("right_id")
            if right_id is None and right is not None:
                right_id = right_id_for(right)
            elif right_id is not None and not (isinstance(right_id, str) and ID_PATTERN.match(right_id)):
                errors.add(f"pairs.{index}.right_id", "Mã không hợp lệ.")
            if right_id is not None and right is not None:
                if right_texts.setdefault(right_id, right) != right:
                    errors.add(f"pairs.{index}.right_id", "Cùng một mã cho hai vế phải khác nhau.")
            pairs.append({"id": entry.get("id"), "left": left, "right": right, "right_id": right_id})
        left_ids = {pair["id"] for pair in pairs}
        if any(pair["right_id"] in left_ids for pair in pairs):
            errors.add("pairs", "Mã vế phải không được trùng mã vế trái.")
        return {"pairs": pairs}

    def rights(self, body: Mapping) -> list[dict]:
        unique = {pair["right_id"]: {"id": pair["right_id"], "text": pair["right"]} for pair in body["pairs"]}
        return [dict(entry) for entry in neutral_order(unique.values(), "rights")]

    def student_fields(self, body: Mapping) -> dict:
        return {
            "lefts": [{"id": pair["id"], "text": pair["left"]} for pair in body["pairs"]],
            "rights": self.rights(body),
        }

    def normalise_answer(self, body: Mapping, answer: Any) -> dict[str, str]:
        require(isinstance(answer, Mapping), "Câu trả lời phải là đối tượng {mã vế trái: mã vế phải}.")
        left_ids = [pair["id"] for pair in body["pairs"]]
        right_ids = {pair["right_id"] for pair in body["pairs"]}
        for left_id, right_id in answer.items():
            require(left_id in left_ids, f"Không có vế trái '{left_id}'.")
            require(right_id is None or (isinstance(right_id, str) and right_id in right_ids),
                    f"Không có vế phải '{right_id}'.")
        return {left_id: answer[left_id] for left_id in left_ids if answer.get(left_id) is not None}

    def parts_total(self, body: Mapping) -> int:
        return len(body["pairs"])

    def score_checked(self, body: Mapping, answer: dict[str, str]) -> Outcome:
        right = sum(1 for pair in body["pairs"] if answer.get(pair["id"]) == pair["right_id"])
        return Outcome.of_parts(right, len(body["pairs"]))

    def correct_answer(self, body: Mapping) -> dict[str, str]:
        return {pair["id"]: pair["right_id"] for pair in body["pairs"]}

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        """Lefts numbered 1.. in body order, rights lettered A.. in ``order`` (default: the student view's)."""
        printed = order or [entry["id"] for entry in self.rights(body)]
        letters = dict(zip(printed, (letter.upper() for letter in letter_ids(len(printed)))))
        return ", ".join(f"{number}-{letters[pair['right_id']]}" for number, pair in enumerate(body["pairs"], 1))
