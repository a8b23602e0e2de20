"""Question types: one registered class per type behind a narrow interface.

``get_type(name)`` returns the registered instance (unknown names raise ``UnknownQuestionType``); the
module-level helpers dispatch on a body's ``type``, so callers rarely need the classes themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank.errors import QuestionValidationError, UnknownQuestionType
from question_bank.types.base import Outcome, QuestionType, get_type, register, type_names

# Importing the modules registers the types, in the order forms are usually listed.
from question_bank.types import single_choice, multiple_choice, true_false, true_false_group, \
    short_answer, matching, ordering, cloze, essay  # noqa: E402,F401  isort:skip

__all__ = [
    "Outcome", "QuestionType", "get_type", "register", "type_names", "type_of", "type_label",
    "validate", "student_view", "check_answer", "score", "correct_answer", "answer_key", "answer_feedback",
]


def type_of(body: Mapping) -> QuestionType:
    """The registered type named by ``body["type"]``."""
    if not isinstance(body, Mapping):
        raise QuestionValidationError({"": ["Câu hỏi phải là một đối tượng JSON."]})
    return get_type(body.get("type"))


def type_label(name: str) -> str:
    """The Vietnamese name of a question type ("Trả lời ngắn"), or ``name`` itself if unknown."""
    try:
        return get_type(name).label
    except UnknownQuestionType:
        return str(name)


def validate(body: Mapping) -> dict:
    """Normalise and validate a teacher body; raises QuestionValidationError (or UnknownQuestionType)."""
    return type_of(body).validate(body)


def student_view(body: Mapping) -> dict:
    """What a student may see of a validated body: no correct flags, answers, explanation or rubric."""
    return type_of(body).student_view(body)


def check_answer(body: Mapping, answer: Any) -> Any:
    """The normalised student answer (``None`` if unanswered); raises AnswerFormatError when malformed."""
    return type_of(body).check_answer(body, answer)


def score(body: Mapping, answer: Any) -> Outcome:
    """Score one answer against one validated body (pure)."""
    return type_of(body).score(body, answer)


def correct_answer(body: Mapping) -> Any:
    """The key of a validated body in student-answer shape."""
    return type_of(body).correct_answer(body)


def answer_key(body: Mapping, order: list[str] | None = None) -> str | None:
    """The printed key of a validated body, given the printed order of its options or statements."""
    return type_of(body).answer_key(body, order)


def answer_feedback(body: Mapping, answer: Any) -> list[str]:
    """The teacher's feedback for the options or accepted answer ``answer`` chose (for review only)."""
    if answer is None:
        return []
    return type_of(body).feedback(body, answer)
