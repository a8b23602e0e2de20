"""Essay (tự luận): free text graded by a teacher."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank.types.base import MAX_STEM_CHARS, ZERO, Errors, Outcome, QuestionType, clean_html, \
    register, require

MAX_ESSAY_CHARS = 50_000


@register
class Essay(QuestionType):
    """An optional ``rubric`` (HTML, teachers only); the answer is text. Scoring only flags manual grading."""

    name = "essay"
    label = "Tự luận"

    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        rubric = clean_html(body.get("rubric"), "rubric", errors, required=False, max_chars=MAX_STEM_CHARS)
        return {"rubric": rubric} if rubric is not None else {}

    def check_answer(self, body: Mapping, answer: Any) -> str | None:
        if isinstance(answer, str) and not answer.strip():
            return None
        return super().check_answer(body, answer)

    def normalise_answer(self, body: Mapping, answer: Any) -> str:
        require(isinstance(answer, str), "Bài làm phải là văn bản.")
        require(len(answer) <= MAX_ESSAY_CHARS, f"Bài làm dài quá {MAX_ESSAY_CHARS} ký tự.")
        return answer

    def score_checked(self, body: Mapping, answer: str) -> Outcome:
        return Outcome(ZERO, 0, 1, needs_manual=True)

    def correct_answer(self, body: Mapping) -> None:
        return None

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> None:
        return None
