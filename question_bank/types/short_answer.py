"""Short answer (trả lời ngắn): typed text or a number; Part III of the 2025 national exam (QĐ 764).

Numbers are compared as Decimals and accept the Vietnamese decimal comma: "-1,5" equals -1.5. With
``rule: "thpt2025"`` answers obey the answer-sheet constraint of the national exam: at most four characters
taken from "-", "," and the digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from question_bank.content import normalize_text
from question_bank.types.base import ONE, ZERO, Errors, Outcome, QuestionType, clean_feedback, register, require

MAX_ANSWERS = 20
MAX_ANSWER_CHARS = 500
#: Quyết định 764/QĐ-BGDĐT, Part III: the answer sheet has four boxes, each "-", "," or a digit.
THPT2025_RULE = "thpt2025"
THPT2025_PATTERN = re.compile(r"^[-,0-9]{1,4}$")
RULES = frozenset({THPT2025_RULE})

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)$")
_GROUPED_DOTS = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")


def parse_number(text: str) -> Decimal | None:
    """Read a typed number, Vietnamese or English style; ``None`` if ``text`` is not a number.

    "-1,5" and "-1.5" are -1.5; "1.234,5" is 1234.5 (dot groups thousands when a comma is present or the
    dots group by three); a Unicode minus sign counts as "-".
    """
    compact = _SPACES.sub("", text).replace("\u2212", "-")
    if "," in compact or compact.count(".") > 1:
        if _GROUPED_DOTS.match(compact):
            compact = compact.replace(".", "")
        if "." in compact or compact.count(",") > 1:
            return None
        compact = compact.replace(",", ".")
    if not _PLAIN_NUMBER.match(compact):
        return None
    try:
        return Decimal(compact)
    except InvalidOperation:
        return None


def to_decimal(value: Any) -> Decimal | None:
    """A Decimal from a JSON number or a typed string; floats go through their shortest repr."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return parse_number(repr(value))
    if isinstance(value, str):
        return parse_number(value)
    return None


def canonical(number: Decimal) -> str:
    """The stored form of a number: plain notation, no exponent, no trailing zeros ("-1.5", "20")."""
    text = format(number.normalize(), "f")
    return "0" if text in {"-0", "+0"} else text


def format_vietnamese(number: Decimal) -> str:
    """A number as printed on Vietnamese papers, with a decimal comma: "-1,5"."""
    return canonical(number).replace(".", ",")


def text_matches(expected: str, given: str, *, ignore_diacritics: bool = False) -> bool:
    """True if ``given`` equals ``expected`` after normalisation, or both are the same number."""
    if normalize_text(expected, ignore_diacritics=ignore_diacritics) == \
            normalize_text(given, ignore_diacritics=ignore_diacritics):
        return True
    expected_number, given_number = parse_number(expected), parse_number(given)
    return expected_number is not None and expected_number == given_number


def clean_plain(value: Any, path: str, errors: Errors) -> str | None:
    """A short plain-text answer: a non-empty string of at most MAX_ANSWER_CHARS characters."""
    if not isinstance(value, str) or not value.strip():
        errors.add(path, "Không được để trống.")
        return None
    if len(value) > MAX_ANSWER_CHARS:
        errors.add(path, f"Dài quá {MAX_ANSWER_CHARS} ký tự.")
        return None
    return _SPACES.sub(" ", value).strip()


@register
class ShortAnswer(QuestionType):
    """Accepted answers ``[{text} | {value, tolerance}]``; the student types one string.

    Text answers match after NFC, case folding and space collapsing (and diacritic folding with
    ``ignore_diacritics: true``); value answers match any number within ``tolerance``. Values are stored as
    canonical decimal strings so the body stays plain JSON.
    """

    name = "short_answer"
    label = "Trả lời ngắn"

    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        rule = body.get("rule")
        if rule is not None and rule not in RULES:
            errors.add("rule", f"Quy tắc không hợp lệ: {rule!r}.")
        ignore_diacritics = body.get("ignore_diacritics", False)
        if not isinstance(ignore_diacritics, bool):
            errors.add("ignore_diacritics", "Phải là true hoặc false.")
        raw = body.get("answers")
        answers: list[dict] = []
        if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ANSWERS:
            errors.add("answers", f"Cần từ 1 đến {MAX_ANSWERS} đáp án được chấp nhận.")
            raw = raw if isinstance(raw, list) else []
        for index, entry in enumerate(raw):
            path = f"answers.{index}"
            if not isinstance(entry, Mapping) or ("text" in entry) == ("value" in entry):
                errors.add(path, "Mỗi đáp án là {text} hoặc {value, tolerance}.")
                continue
            if "text" in entry:
                text = clean_plain(entry["text"], f"{path}.text", errors)
                if text is not None and rule == THPT2025_RULE and not THPT2025_PATTERN.match(text):
                    errors.add(f"{path}.text", "Theo mẫu thi 2025: tối đa 4 ký tự gồm '-', ',' và chữ số.")
                answers.append({"text": text})
                clean_feedback(entry, path, errors, answers[-1])
                continue
            value = to_decimal(entry["value"])
            tolerance = to_decimal(entry.get("tolerance", 0))
            if value is None:
                errors.add(f"{path}.value", "Phải là một số.")
            elif rule == THPT2025_RULE and not THPT2025_PATTERN.match(format_vietnamese(value)):
                errors.add(f"{path}.value", "Theo mẫu thi 2025: tối đa 4 ký tự gồm '-', ',' và chữ số.")
            if tolerance is None or tolerance < 0:
                errors.add(f"{path}.tolerance", "Phải là một số không âm.")
            answers.append({
                "value": canonical(value) if value is not None else None,
                "tolerance": canonical(tolerance) if tolerance is not None else None,
            })
            clean_feedback(entry, path, errors, answers[-1])
        fields: dict = {"answers": answers}
        if rule is not None:
            fields["rule"] = rule
        if ignore_diacritics is True:
            fields["ignore_diacritics"] = True
        return fields

    def student_fields(self, body: Mapping) -> dict:
        # The rule is public: the answer box must enforce it, as the printed sheet does.
        return {"rule": body["rule"]} if body.get("rule") else {}

    def check_answer(self, body: Mapping, answer: Any) -> str | None:
        if isinstance(answer, str) and not answer.strip():
            return None
        return super().check_answer(body, answer)

    def normalise_answer(self, body: Mapping, answer: Any) -> str:
        if isinstance(answer, (int, float, Decimal)) and not isinstance(answer, bool):
            number = to_decimal(answer)
            require(number is not None, "Câu trả lời phải là một chuỗi.")
            answer = format_vietnamese(number)
        require(isinstance(answer, str), "Câu trả lời phải là một chuỗi.")
        require(len(answer) <= MAX_ANSWER_CHARS, f"Câu trả lời dài quá {MAX_ANSWER_CHARS} ký tự.")
        answer = _SPACES.sub(" ", answer).strip()
        if body.get("rule") == THPT2025_RULE:
            # A typed dot or Unicode minus is the same mark the student would shade on the printed sheet.
            answer = answer.replace(" ", "").replace(".", ",").replace("\u2212", "-")
            require(bool(THPT2025_PATTERN.match(answer)), "Chỉ được điền tối đa 4 ký tự gồm '-', ',' và chữ số.")
        return answer

    def score_checked(self, body: Mapping, answer: str) -> Outcome:
        right = any(self.matches(body, accepted, answer) for accepted in body["answers"])
        return Outcome(ONE if right else ZERO, int(right), 1)

    @staticmethod
    def matches(body: Mapping, accepted: Mapping, answer: str) -> bool:
        if "text" in accepted:
            return text_matches(accepted["text"], answer, ignore_diacritics=body.get("ignore_diacritics", False))
        given = parse_number(answer)
        return given is not None and abs(given - Decimal(accepted["value"])) <= Decimal(accepted["tolerance"])

    def feedback(self, body: Mapping, answer: Any) -> list[str]:
        if not isinstance(answer, str):
            return []
        for accepted in body["answers"]:
            if self.matches(body, accepted, answer):
                return [accepted["feedback"]] if accepted.get("feedback") else []
        return []

    def correct_answer(self, body: Mapping) -> str:
        first = body["answers"][0]
        return first["text"] if "text" in first else format_vietnamese(Decimal(first["value"]))

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        return self.correct_answer(body)
