"""The narrow interface every question type implements, its registry, and shared validation helpers.

A question body (the immutable JSON of a question version) is a plain dict in the teacher shape of
API.md. Each type class turns a raw body into a normalised one (``validate``), builds what a student may
see (``student_view``), checks and scores a student answer (``check_answer``, ``score``) and states the key
(``correct_answer``, ``answer_key``). Classes hold no state; one instance per type is registered.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from question_bank.content import plain_text, sanitize_html
from question_bank.errors import AnswerFormatError, QuestionValidationError, UnknownQuestionType

MAX_STEM_CHARS = 100_000
MAX_TEXT_CHARS = 20_000
MAX_NAME_CHARS = 255      # Moodle's question name column
MAX_IDNUMBER_CHARS = 100  # Moodle's idnumber column
ID_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")

ZERO = Decimal(0)
ONE = Decimal(1)


@dataclass(frozen=True)
class Outcome:
    """The pure result of scoring one answer: the share of the question earned and its parts.

    ``fraction`` is a Decimal in [0, 1]; ``parts_correct``/``parts_total`` count statements, pairs, gaps or
    positions (1/1 for single-part types) and drive table-based policies such as ``thpt2025``;
    ``needs_manual`` marks an answer that a teacher must grade (essays).
    """

    fraction: Decimal
    parts_correct: int
    parts_total: int
    needs_manual: bool = False

    def __post_init__(self):
        if not isinstance(self.fraction, Decimal) or not ZERO <= self.fraction <= ONE:
            raise ValueError(f"fraction must be a Decimal in [0, 1], got {self.fraction!r}")
        if not 0 <= self.parts_correct <= self.parts_total:
            raise ValueError("parts_correct must lie between 0 and parts_total")

    @classmethod
    def of_parts(cls, correct: int, total: int) -> Outcome:
        """An outcome whose fraction is ``correct / total`` (exact Decimal division, at most 28 digits)."""
        return cls(Decimal(correct) / Decimal(total) if total else ZERO, correct, total)


class Errors:
    """Collects field errors under dotted paths and raises them together."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.by_field.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise QuestionValidationError(self.by_field)


def clean_html(value: Any, path: str, errors: Errors, *, required: bool = True,
               max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Sanitise one rich-text field; record an error if it is missing, not text, empty or too long."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(path, "Không được để trống.")
        return None
    if not isinstance(value, str):
        errors.add(path, "Phải là văn bản.")
        return None
    if len(value) > max_chars:
        errors.add(path, f"Dài quá {max_chars} ký tự.")
        return None
    cleaned = sanitize_html(value)
    # An image-only option is legitimate, so emptiness is judged on the markup, not on the visible text.
    if not plain_text(cleaned) and "<img" not in cleaned:
        if required:
            errors.add(path, "Không được để trống.")
        return None
    return cleaned


def clean_feedback(entry: Mapping, path: str, errors: Errors, out: dict) -> None:
    """Copy an entry's optional ``feedback`` (sanitised HTML) into ``out``."""
    feedback = clean_html(entry.get("feedback"), f"{path}.feedback", errors, required=False)
    if feedback is not None:
        out["feedback"] = feedback


def letter_ids(count: int) -> list[str]:
    """Option ids "a", "b", ... as printed on Vietnamese papers (A, B, C, D); "o27" onwards past "z"."""
    return [string.ascii_lowercase[n] if n < 26 else f"o{n + 1}" for n in range(count)]


def stable_id(*parts: str) -> str:
    """A short id derived from content, so re-validating a body gives the same ids and order leaks nothing."""
    return hashlib.blake2s("\x1f".join(parts).encode("utf-8"), digest_size=4).hexdigest()


def assign_ids(entries: list[dict], path: str, errors: Errors, make_id: Callable[[int, dict], str]) -> None:
    """Give each entry an ``id`` (kept when supplied and valid, generated otherwise); ids must be unique."""
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        raw = entry.get("id")
        if raw is None or raw == "":
            candidate = make_id(index, entry)
            while candidate in seen:
                candidate = stable_id(candidate, str(index))
            entry["id"] = candidate
        elif isinstance(raw, bool) or not isinstance(raw, (str, int)) or not ID_PATTERN.match(str(raw)):
            errors.add(f"{path}.{index}.id", "Mã không hợp lệ (chỉ chữ, số, '-', '_', tối đa 32 ký tự).")
            continue
        else:
            entry["id"] = str(raw)
        if entry["id"] in seen:
            errors.add(f"{path}.{index}.id", f"Mã '{entry['id']}' bị trùng.")
        seen.add(entry["id"])


def entry_list(body: Mapping, key: str, errors: Errors, *, minimum: int, maximum: int) -> list[dict]:
    """Return ``body[key]`` as a list of fresh dicts, recording errors for a wrong shape or count."""
    raw = body.get(key)
    if not isinstance(raw, list):
        errors.add(key, "Phải là một danh sách.")
        return []
    if not minimum <= len(raw) <= maximum:
        errors.add(key, f"Cần từ {minimum} đến {maximum} mục, hiện có {len(raw)}.")
    entries = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            errors.add(f"{key}.{index}", "Phải là một đối tượng.")
            entries.append({})
        else:
            entries.append(dict(entry))
    return entries


def neutral_order(entries: Iterable[Mapping], salt: str = "") -> list[Mapping]:
    """Entries sorted by a hash of their id and text: deterministic and unrelated to the correct order."""
    return sorted(entries, key=lambda e: stable_id(salt, str(e["id"]), str(e.get("text", ""))))


class QuestionType(ABC):
    """Base of the registered question types; subclasses fill in the type-specific hooks."""

    name: ClassVar[str]
    #: Vietnamese name of the form, used in messages and printed keys.
    label: ClassVar[str]
    #: Cloze questions carry their text in ``text``; an instruction stem is then optional.
    stem_required: ClassVar[bool] = True

    # -- teacher side -------------------------------------------------------------------------------
    def validate(self, body: Mapping) -> dict:
        """Return the normalised body (sanitised HTML, generated ids) or raise QuestionValidationError."""
        if not isinstance(body, Mapping):
            raise QuestionValidationError({"": ["Câu hỏi phải là một đối tượng JSON."]})
        errors = Errors()
        normalised: dict = {"type": self.name}
        stem = clean_html(body.get("stem"), "stem", errors, required=self.stem_required, max_chars=MAX_STEM_CHARS)
        normalised["stem"] = stem or ""
        normalised.update(self.validate_fields(body, errors))
        explanation = clean_html(body.get("explanation"), "explanation", errors, required=False,
                                 max_chars=MAX_STEM_CHARS)
        if explanation is not None:
            normalised["explanation"] = explanation
        # Moodle/GIFT/QTI names and ID numbers, kept so an export writes them back (teacher side only).
        for key, limit in (("name", MAX_NAME_CHARS), ("idnumber", MAX_IDNUMBER_CHARS)):
            value = body.get(key)
            if value is None or value == "":
                continue
            if not isinstance(value, str) or len(value.strip()) > limit:
                errors.add(key, f"Phải là văn bản tối đa {limit} ký tự.")
            elif value.strip():
                normalised[key] = " ".join(value.split())
        errors.raise_if_any()
        return normalised

    def feedback(self, body: Mapping, answer: Any) -> list[str]:
        """Feedback the teacher wrote for what ``answer`` chose (options or accepted answers); review only."""
        return []

    @abstractmethod
    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        """Return the normalised type-specific fields, recording problems in ``errors``."""

    # -- student side -------------------------------------------------------------------------------
    def student_view(self, body: Mapping) -> dict:
        """What a student may see before review: built only from allow-listed fields."""
        return {"type": self.name, "stem": body["stem"], **self.student_fields(body)}

    def student_fields(self, body: Mapping) -> dict:
        """The allow-listed type-specific fields of the student view."""
        return {}

    def check_answer(self, body: Mapping, answer: Any) -> Any:
        """Return the normalised answer (``None`` when unanswered) or raise AnswerFormatError."""
        if answer is None:
            return None
        return self.normalise_answer(body, answer)

    @abstractmethod
    def normalise_answer(self, body: Mapping, answer: Any) -> Any:
        """The answer in its canonical shape, or AnswerFormatError."""

    def score(self, body: Mapping, answer: Any) -> Outcome:
        """Score ``answer`` against ``body``; pure. Unanswered scores 0; a malformed answer raises."""
        checked = self.check_answer(body, answer)
        if checked is None:
            return Outcome(ZERO, 0, self.parts_total(body))
        return self.score_checked(body, checked)

    def parts_total(self, body: Mapping) -> int:
        """How many independently scored parts the question has."""
        return 1

    @abstractmethod
    def score_checked(self, body: Mapping, answer: Any) -> Outcome:
        """Score an answer already normalised by ``normalise_answer``."""

    # -- keys ---------------------------------------------------------------------------------------
    @abstractmethod
    def correct_answer(self, body: Mapping) -> Any:
        """The key in student-answer shape (``None`` when only a teacher can judge, as for essays)."""

    @abstractmethod
    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str | None:
        """The key as printed under a paper; ``order`` is the printed order of options or statements."""


def require(condition: bool, message: str) -> None:
    """Raise AnswerFormatError with ``message`` unless ``condition`` holds."""
    if not condition:
        raise AnswerFormatError(message)


_REGISTRY: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator: register one instance of a question type under its ``name``."""
    if cls.name in _REGISTRY:
        raise ValueError(f"question type {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls()
    return cls


def get_type(name: Any) -> QuestionType:
    """The registered type called ``name``; raises UnknownQuestionType otherwise."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownQuestionType(name) from None


def type_names() -> list[str]:
    """Names of every registered question type, in registration order."""
    return list(_REGISTRY)
