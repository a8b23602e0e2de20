"""Domain errors of the question bank.

They carry the data a caller needs to build an RFC 9457 problem (field errors, the blueprint cell that could
not be filled) and never depend on Flask: the application maps them to HTTP statuses in one place.
"""

from __future__ import annotations

from collections.abc import Mapping


class QuestionBankError(Exception):
    """Base class of every question-bank domain error."""


class QuestionValidationError(QuestionBankError):
    """A question body is invalid; ``errors`` maps field paths (``options.2.text``) to messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors: dict[str, list[str]] = {field: list(messages) for field, messages in errors.items()}
        summary = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in self.errors.items())
        super().__init__(f"Câu hỏi không hợp lệ ({summary})")


class UnknownQuestionType(QuestionValidationError):
    """The ``type`` of a body is not a registered question type (reported as a field error on ``type``)."""

    def __init__(self, name: object):
        self.name = name
        super().__init__({"type": [f"Loại câu hỏi không được hỗ trợ: {name!r}"]})


class AnswerFormatError(QuestionBankError):
    """A student answer has the wrong shape for its question (or names an option that does not exist)."""


class ScoringPolicyError(QuestionBankError):
    """A scoring policy is unknown or cannot score this kind of question."""


class AssemblyError(QuestionBankError):
    """An exam paper cannot be assembled as requested."""


class BlueprintShortage(AssemblyError):
    """A blueprint (ma trận đề) cell asks for more questions than the bank can supply.

    ``cell`` is the cell as given; the optional labels are human names for its topic, form (question type)
    and cognitive level, so the message can be shown to a teacher as is.
    """

    def __init__(
        self,
        cell: Mapping,
        needed: int,
        available: int,
        *,
        topic_label: str | None = None,
        form_label: str | None = None,
        level_label: str | None = None,
    ):
        self.cell = dict(cell)
        self.needed = needed
        self.available = available
        topic = topic_label or (
            f"chủ đề #{cell['topic_id']}" if cell.get("topic_id") is not None else "mọi chủ đề"
        )
        form = form_label or (cell.get("type") or "mọi dạng")
        level = level_label or (cell.get("level") or "mọi mức độ")
        super().__init__(
            f"Ngân hàng không đủ câu hỏi cho ô ma trận: chủ đề «{topic}», dạng «{form}», "
            f"mức độ «{level}»: cần {needed} câu, chỉ có {available} câu."
        )
