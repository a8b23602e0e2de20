"""A group of true/false statements a)–d) under one stem: Part II of the 2025 national exam (QĐ 764)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from question_bank.types.base import Errors, Outcome, QuestionType, assign_ids, clean_html, entry_list, \
    letter_ids, register, require

#: The 2025 national exam format (Quyết định 764/QĐ-BGDĐT) uses exactly four statements.
RECOMMENDED_STATEMENTS = 4
MIN_STATEMENTS = 2
MAX_STATEMENTS = 8


@register
class TrueFalseGroup(QuestionType):
    """Statements ``[{id, text, correct}]``; the answer maps statement ids to true/false.

    Statements left out of the answer count as wrong. The fraction is the share of statements judged
    right; ``parts_correct`` feeds the thpt2025 table (1/2/3/4 right -> 0.1/0.25/0.5/1).
    """

    name = "true_false_group"
    label = "Trắc nghiệm đúng/sai"

    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        entries = entry_list(body, "statements", errors, minimum=MIN_STATEMENTS, maximum=MAX_STATEMENTS)
        ids = letter_ids(len(entries))
        assign_ids(entries, "statements", errors, lambda index, _entry: ids[index])
        statements = []
        for index, entry in enumerate(entries):
            text = clean_html(entry.get("text"), f"statements.{index}.text", errors)
            correct = entry.get("correct")
            if not isinstance(correct, bool):
                errors.add(f"statements.{index}.correct", "Phải là true hoặc false.")
            statements.append({"id": entry.get("id"), "text": text, "correct": correct is True})
        return {"statements": statements}

    def student_fields(self, body: Mapping) -> dict:
        return {"statements": [{"id": s["id"], "text": s["text"]} for s in body["statements"]]}

    def normalise_answer(self, body: Mapping, answer: Any) -> dict[str, bool]:
        require(isinstance(answer, Mapping), "Câu trả lời phải là đối tượng {mã ý: true/false}.")
        known = [s["id"] for s in body["statements"]]
        for statement_id, value in answer.items():
            require(statement_id in known, f"Không có ý '{statement_id}'.")
            require(isinstance(value, bool) or value is None, f"Ý '{statement_id}' phải là true hoặc false.")
        return {sid: answer[sid] for sid in known if answer.get(sid) is not None}

    def parts_total(self, body: Mapping) -> int:
        return len(body["statements"])

    def score_checked(self, body: Mapping, answer: dict[str, bool]) -> Outcome:
        right = sum(1 for s in body["statements"] if answer.get(s["id"]) is s["correct"])
        return Outcome.of_parts(right, len(body["statements"]))

    def correct_answer(self, body: Mapping) -> dict[str, bool]:
        return {s["id"]: s["correct"] for s in body["statements"]}

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        by_id = {s["id"]: s for s in body["statements"]}
        printed = order or list(by_id)
        return " ".join(f"{letter}) {'Đ' if by_id[sid]['correct'] else 'S'}"
                        for letter, sid in zip(letter_ids(len(printed)), printed))
