"""Single choice (trắc nghiệm nhiều phương án lựa chọn): exactly one correct option; Part I of the 2025 exam."""

from __future__ import annotations

from abc import abstractmethod

import string
from collections.abc import Mapping
from typing import Any

from question_bank.types.base import ONE, ZERO, Errors, Outcome, QuestionType, assign_ids, clean_feedback, \
    clean_html, entry_list, letter_ids, register, require

MIN_OPTIONS = 2
MAX_OPTIONS = 10


class ChoiceType(QuestionType):
    """Shared option handling of single and multiple choice."""

    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        entries = entry_list(body, "options", errors, minimum=MIN_OPTIONS, maximum=MAX_OPTIONS)
        ids = letter_ids(len(entries))
        assign_ids(entries, "options", errors, lambda index, _entry: ids[index])
        options = []
        for index, entry in enumerate(entries):
            text = clean_html(entry.get("text"), f"options.{index}.text", errors)
            correct = entry.get("correct", False)
            if not isinstance(correct, bool):
                errors.add(f"options.{index}.correct", "Phải là true hoặc false.")
            option = {"id": entry.get("id"), "text": text, "correct": correct is True}
            clean_feedback(entry, f"options.{index}", errors, option)
            self.option_extra(entry, f"options.{index}", errors, option)
            options.append(option)
        if entries:
            self.check_correct_count(sum(option["correct"] for option in options), errors)
            self.check_options(options, errors)
        return {"options": options}

    def option_extra(self, entry: Mapping, path: str, errors: Errors, option: dict) -> None:
        """Type-specific option fields (multiple choice: ``weight``); none by default."""
        if entry.get("weight") is not None:
            errors.add(f"{path}.weight", "Chỉ câu nhiều đáp án đúng mới có trọng số (weight).")

    def check_options(self, options: list[dict], errors: Errors) -> None:
        """Checks across all options; none by default."""

    def feedback(self, body: Mapping, answer: Any) -> list[str]:
        chosen = answer if isinstance(answer, list) else [answer]
        return [o["feedback"] for o in body["options"] if o["id"] in chosen and o.get("feedback")]

    @abstractmethod
    def check_correct_count(self, count: int, errors: Errors) -> None:
        """Record an error when ``count`` correct options is wrong for this type."""

    def student_fields(self, body: Mapping) -> dict:
        return {"options": [{"id": option["id"], "text": option["text"]} for option in body["options"]]}

    def option_ids(self, body: Mapping) -> list[str]:
        return [option["id"] for option in body["options"]]

    def correct_ids(self, body: Mapping) -> list[str]:
        return [option["id"] for option in body["options"] if option["correct"]]

    def letters(self, body: Mapping, order: list[str] | None, ids: list[str]) -> str:
        printed = order or self.option_ids(body)
        return "".join(sorted(string.ascii_uppercase[printed.index(option_id)] for option_id in ids))


@register
class SingleChoice(ChoiceType):
    """One correct option out of 2..10; the answer is the chosen option id."""

    name = "single_choice"
    label = "Trắc nghiệm nhiều phương án lựa chọn"

    def check_correct_count(self, count: int, errors: Errors) -> None:
        if count != 1:
            errors.add("options", f"Cần đúng một phương án đúng, hiện có {count}.")

    def normalise_answer(self, body: Mapping, answer: Any) -> str:
        require(isinstance(answer, str), "Câu trả lời phải là mã của một phương án.")
        require(answer in self.option_ids(body), f"Không có phương án '{answer}'.")
        return answer

    def score_checked(self, body: Mapping, answer: str) -> Outcome:
        right = answer in self.correct_ids(body)
        return Outcome(ONE if right else ZERO, int(right), 1)

    def correct_answer(self, body: Mapping) -> str:
        return self.correct_ids(body)[0]

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        return self.letters(body, order, self.correct_ids(body))
