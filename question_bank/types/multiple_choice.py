"""Multiple choice with one or more correct options, partial credit for each right choice."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from question_bank.types.base import ONE, ZERO, Errors, Outcome, register, require
from question_bank.types.single_choice import ChoiceType

HUNDRED = Decimal(100)
#: Moodle writes thirds as 33.33333: positive weights may miss 100 by this much.
WEIGHT_SLACK = Decimal("0.01")


def _weight(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip().replace(",", "."))
    except ArithmeticError:
        return None
    return number if number.is_finite() and -HUNDRED <= number <= HUNDRED else None


@register
class MultipleChoice(ChoiceType):
    """Options with any number (≥1) of correct ones; the answer is the list of chosen option ids.

    Partial credit is (correct chosen − wrong chosen) / number of correct options, floored at 0, so that
    ticking every box earns nothing rather than full marks. With option ``weight``s (percentages as Moodle's
    partial credit: correct options positive and summing to 100, wrong ones 0 or negative) the share is
    the sum of the chosen weights, between 0 and 100 %.
    """

    name = "multiple_choice"
    label = "Trắc nghiệm nhiều đáp án đúng"

    def check_correct_count(self, count: int, errors: Errors) -> None:
        if count < 1:
            errors.add("options", "Cần ít nhất một phương án đúng.")

    def option_extra(self, entry: Mapping, path: str, errors: Errors, option: dict) -> None:
        if entry.get("weight") is None:
            return
        weight = _weight(entry["weight"])
        if weight is None:
            errors.add(f"{path}.weight", "Trọng số là phần trăm từ -100 đến 100.")
            return
        option["weight"] = int(weight) if weight == weight.to_integral_value() else float(weight)

    def check_options(self, options: list[dict], errors: Errors) -> None:
        if not any("weight" in o for o in options):
            return
        for index, option in enumerate(options):
            weight = Decimal(str(option.get("weight", 0)))
            if option["correct"] != (weight > 0):
                errors.add(f"options.{index}.weight", "Phương án đúng có trọng số dương, phương án sai có "
                                                      "trọng số 0 hoặc âm.")
        total = sum((Decimal(str(o["weight"])) for o in options if o.get("weight", 0) > 0), ZERO)
        if abs(total - HUNDRED) > WEIGHT_SLACK:
            errors.add("options", f"Tổng trọng số các phương án đúng phải là 100%, hiện là {total}%.")

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
        if any("weight" in o for o in body["options"]):
            chosen = sum((Decimal(str(o.get("weight", 0))) for o in body["options"] if o["id"] in answer), ZERO)
            fraction = min(ONE, max(ZERO, chosen / HUNDRED))
            if fraction >= ONE - WEIGHT_SLACK / HUNDRED:
                fraction = ONE  # 3 × 33.33333 % is full marks, as in Moodle
            return Outcome(fraction, min(len(correct), max(0, right - wrong)), len(correct))
        fraction = max(ZERO, Decimal(right - wrong) / Decimal(len(correct)))
        # parts_correct counts net right choices, matching the fraction.
        return Outcome(fraction, max(0, right - wrong), len(correct))

    def parts_total(self, body: Mapping) -> int:
        return len(self.correct_ids(body))

    def correct_answer(self, body: Mapping) -> list[str]:
        return self.correct_ids(body)

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        return self.letters(body, order, self.correct_ids(body))
