"""A single true/false statement (đúng/sai)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank.types.base import ONE, ZERO, Errors, Outcome, QuestionType, register, require


@register
class TrueFalse(QuestionType):
    """The stem is a statement; ``answer`` says whether it is true. The student answers true or false."""

    name = "true_false"
    label = "Đúng/Sai"

    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        answer = body.get("answer")
        if not isinstance(answer, bool):
            errors.add("answer", "Phải là true hoặc false.")
        return {"answer": answer}

    def normalise_answer(self, body: Mapping, answer: Any) -> bool:
        require(isinstance(answer, bool), "Câu trả lời phải là true hoặc false.")
        return answer

    def score_checked(self, body: Mapping, answer: bool) -> Outcome:
        right = answer is body["answer"]
        return Outcome(ONE if right else ZERO, int(right), 1)

    def correct_answer(self, body: Mapping) -> bool:
        return body["answer"]

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        return "Đ" if body["answer"] else "S"
