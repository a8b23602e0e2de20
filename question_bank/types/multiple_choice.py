"""Multiple choice with one or more correct options, partial credit for each right choice."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from question_bank.types.base import ZERO, Errors, Outcome, register, require
from question_bank.types.single_choice import ChoiceType


@register
class MultipleChoice(ChoiceType):
    """Options with any number (≥1) of correct ones; the answer is the list of chosen option ids.

    Partial credit is (correct chosen − wrong chosen) / number of correct options, floored at 0, so that
    ticking every box earns nothing rather than full marks.
    """

    name = "multiple_choice"
    label = "Trắc nghiệm nhiều đáp án đúng"

    def check_correct_count(self, count: int, errors: Errors) -> None:
        if count < 1:
            errors.add("options", "Cần ít nhất một phương án đúng.")

    def normalise_answer(self, body: Mapping, answer: Any) -> list[str]:
        require(isinstance(answer, list), "Câu trả lời phải là danh sách mã phương án.")
        known = self.option_ids(body)
        for option_id in answer:
            require(isinstance(option_id, str), "Mã phương án phải là chuỗi.")
            require(option_id in known, f"Không có phương án '{option_id}'.")
        require(len(set(answer)) == len(answer), "Một phương án được chọn hai lần.")
        # Keep the body's order so equal choices give equal stored answers.
        return [option_id for option_id in known if option_id in answer]

    def score_checked(self, body: Mapping, answer: list[str]) -> Outcome:
        correct = set(self.correct_ids(body))
        right = sum(1 for option_id in answer if option_id in correct)
        wrong = len(answer) - right
        fraction = max(ZERO, Decimal(right - wrong) / Decimal(len(correct)))
        # parts_correct counts net right choices, matching the fraction.
        return Outcome(fraction, max(0, right - wrong), len(correct))

    def parts_total(self, body: Mapping) -> int:
        return len(self.correct_ids(body))

    def correct_answer(self, body: Mapping) -> list[str]:
        return self.correct_ids(body)

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        return self.letters(body, order, self.correct_ids(body))
