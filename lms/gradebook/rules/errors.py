"""Domain errors of the assessment rules; every message is meant for the user (in Vietnamese)."""

from __future__ import annotations

from collections.abc import Iterable


class GradebookRuleError(ValueError):
    """Base of the domain errors raised by these rules; the message is meant for the user."""


class InvalidScore(GradebookRuleError):
    """A score that the regulation does not allow (not a number, out of 0..10, not an integer...)."""

    def __init__(self, value: object, message: str) -> None:
        super().__init__(message)
        #: the value as it was given, for error reports
        self.value = value


class InvalidComment(GradebookRuleError):
    """A comment-subject result that is neither Đạt nor Chưa đạt."""


class UnknownGradingMode(GradebookRuleError):
    """A subject ``graded_by`` value other than ``"score"`` or ``"comment"``."""


class IncompleteResults(GradebookRuleError):
    """A classification was asked for while some subject has no result yet."""

    def __init__(self, subjects: Iterable[str]) -> None:
        self.subjects = sorted(subjects)
        super().__init__("Chưa đủ kết quả để xếp loại, còn thiếu: " + ", ".join(self.subjects))


class NotEligibleForReassessment(GradebookRuleError):
    """A re-assessment result was given for a subject that is not re-assessed."""
