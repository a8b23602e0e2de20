"""Cloze (điền khuyết): a text with numbered gaps ``{{1}}``, each with accepted answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from question_bank.types.base import MAX_STEM_CHARS, Errors, Outcome, QuestionType, clean_html, register, \
    require
from question_bank.types.short_answer import MAX_ANSWER_CHARS, MAX_ANSWERS, clean_plain, text_matches

MAX_GAPS = 30
GAP_MARKER = re.compile(r"\{\{\s*([A-Za-z0-9_\-]{1,32})\s*\}\}")


@register
class Cloze(QuestionType):
    """``text`` holds gap markers; ``gaps: [{id, answers: [str, ...]}]`` gives each gap's accepted texts.

    Gaps listed without ids take the markers' ids in order of appearance. Answers compare like short
    answers (normalised text, numbers with a decimal comma); ``ignore_diacritics`` applies to every gap.
    The answer maps gap ids to strings; each gap is one part.
    """

    name = "cloze"
    label = "Điền khuyết"
    stem_required = False

    def validate_fields(self, body: Mapping, errors: Errors) -> dict:
        text = clean_html(body.get("text"), "text", errors, max_chars=MAX_STEM_CHARS)
        markers = GAP_MARKER.findall(text or "")
        if text is not None and not markers:
            errors.add("text", "Đoạn văn cần ít nhất một chỗ trống dạng {{1}}.")
        if len(markers) != len(set(markers)):
            errors.add("text", "Mỗi chỗ trống chỉ được xuất hiện một lần.")
        if len(markers) > MAX_GAPS:
            errors.add("text", f"Tối đa {MAX_GAPS} chỗ trống.")
        ignore_diacritics = body.get("ignore_diacritics", False)
        if not isinstance(ignore_diacritics, bool):
            errors.add("ignore_diacritics", "Phải là true hoặc false.")
        raw = body.get("gaps")
        if not isinstance(raw, list):
            errors.add("gaps", "Phải là một danh sách.")
            raw = []
        gaps = []
        for index, entry in enumerate(raw):
            if not isinstance(entry, Mapping):
                errors.add(f"gaps.{index}", "Phải là một đối tượng.")
                continue
            gap_id = entry.get("id")
            if gap_id is None and index < len(markers):
                gap_id = markers[index]
            gap_id = str(gap_id) if isinstance(gap_id, (str, int)) and not isinstance(gap_id, bool) else None
            if gap_id is None or gap_id not in markers:
                errors.add(f"gaps.{index}.id", "Không khớp với chỗ trống nào trong đoạn văn.")
            accepted = entry.get("answers")
            if not isinstance(accepted, list) or not 1 <= len(accepted) <= MAX_ANSWERS:
                errors.add(f"gaps.{index}.answers", f"Cần từ 1 đến {MAX_ANSWERS} đáp án.")
                accepted = []
            answers = [clean_plain(value, f"gaps.{index}.answers.{n}", errors) for n, value in enumerate(accepted)]
            gaps.append({"id": gap_id, "answers": answers})
        gap_ids = [gap["id"] for gap in gaps]
        if len(gap_ids) != len(set(gap_ids)):
            errors.add("gaps", "Mã chỗ trống bị trùng.")
        missing = [marker for marker in markers if marker not in gap_ids]
        if missing:
            errors.add("gaps", f"Thiếu đáp án cho chỗ trống: {', '.join(missing)}.")
        # Keep gaps in the order they appear in the text, which is the order students fill them.
        gaps.sort(key=lambda gap: markers.index(gap["id"]) if gap["id"] in markers else len(markers))
        fields: dict = {"text": text, "gaps": gaps}
        if ignore_diacritics is True:
            fields["ignore_diacritics"] = True
        return fields

    def student_fields(self, body: Mapping) -> dict:
        return {"text": body["text"], "gaps": [{"id": gap["id"]} for gap in body["gaps"]]}

    def normalise_answer(self, body: Mapping, answer: Any) -> dict[str, str]:
        require(isinstance(answer, Mapping), "Câu trả lời phải là đối tượng {mã chỗ trống: chuỗi}.")
        known = [gap["id"] for gap in body["gaps"]]
        for gap_id, value in answer.items():
            require(gap_id in known, f"Không có chỗ trống '{gap_id}'.")
            require(value is None or isinstance(value, str), f"Chỗ trống '{gap_id}' phải là chuỗi.")
            require(value is None or len(value) <= MAX_ANSWER_CHARS, f"Chỗ trống '{gap_id}' quá dài.")
        return {gap_id: answer[gap_id] for gap_id in known if (answer.get(gap_id) or "").strip()}

    def parts_total(self, body: Mapping) -> int:
        return len(body["gaps"])

    def score_checked(self, body: Mapping, answer: dict[str, str]) -> Outcome:
        fold = body.get("ignore_diacritics", False)
        right = sum(
            1 for gap in body["gaps"]
            if gap["id"] in answer
            and any(text_matches(accepted, answer[gap["id"]], ignore_diacritics=fold) for accepted in gap["answers"])
        )
        return Outcome.of_parts(right, len(body["gaps"]))

    def correct_answer(self, body: Mapping) -> dict[str, str]:
        return {gap["id"]: gap["answers"][0] for gap in body["gaps"]}

    def answer_key(self, body: Mapping, order: list[str] | None = None) -> str:
        return "; ".join(f"({gap['id']}) {gap['answers'][0]}" for gap in body["gaps"])
