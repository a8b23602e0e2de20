"""Aiken: Moodle's plain-text format for single-choice questions.

    Thủ đô của Việt Nam là?
    A. Hà Nội
    B) Huế
    ANSWER: A

The question text may span several lines; options are ``X.`` or ``X)``; a blank line may separate questions.
"""
from __future__ import annotations

import re
from typing import BinaryIO

from question_bank.formats.base import (
    Draft, ExportResult, Format, ImportProblem, ParseResult, decode_text, html_to_text, letter_id, read_limited,
    register, text_to_html,
)

_OPTION = re.compile(r"^([A-Z])\s*[.)]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.I)


@register
class AikenFormat(Format):
    name = "aiken"
    label = "Aiken"
    extensions = (".txt",)
    supported_types = frozenset({"single_choice"})
    #: Plain text, one line per option: none of the optional parts (base.OPTIONAL_PARTS), not even formatting.
    carries = frozenset()

    def parse(self, stream: BinaryIO) -> ParseResult:
        """Parse Aiken text; each malformed question is reported with its first line and skipped."""
        lines = decode_text(read_limited(stream)).splitlines()
        result = ParseResult()
        block: list[tuple[int, str]] = []
        item = 0
        for number, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line:
                # A blank line only ends a question once its ANSWER line was seen; before that it is
                # tolerated inside the stem, which many teachers type.
                continue
            block.append((number, line))
            if _ANSWER.match(line):
                item += 1
                self._finish(block, item, result)
                block = []
        if block:
            item += 1
            result.problems.append(ImportProblem(item, block[0][0], "Câu hỏi thiếu dòng 'ANSWER: <chữ cái>'."))
        return result

    @staticmethod
    def _finish(block: list[tuple[int, str]], item: int, result: ParseResult) -> None:
        first_line = block[0][0]
        stem_lines: list[str] = []
        options: list[tuple[str, str]] = []
        for number, line in block[:-1]:
            match = _OPTION.match(line)
            if match and (options or stem_lines):
                options.append((match.group(1), match.group(2).strip()))
            elif options:
                result.problems.append(ImportProblem(
                    item, number, "Dòng nằm giữa các phương án nhưng không bắt đầu bằng 'A.' hoặc 'A)'."))
                return
            else:
                stem_lines.append(line)
        answer_line, answer_text = block[-1][0], _ANSWER.match(block[-1][1]).group(1).strip().upper()
        if not stem_lines:
            result.problems.append(ImportProblem(item, first_line, "Câu hỏi không có nội dung (đề bài)."))
            return
        if len(options) < 2:
            result.problems.append(ImportProblem(item, first_line, "Câu hỏi cần ít nhất 2 phương án."))
            return
        letters = [letter for letter, _ in options]
        if len(set(letters)) != len(letters):
            result.problems.append(ImportProblem(item, first_line, "Hai phương án trùng chữ cái."))
            return
        if answer_text not in letters:
            result.problems.append(ImportProblem(
                item, answer_line, f"Đáp án '{answer_text}' không khớp phương án nào ({', '.join(letters)})."))
            return
        body = {
            "type": "single_choice",
            "stem": text_to_html("\n".join(stem_lines)),
            "options": [
                {"id": letter_id(i), "text": text_to_html(text), "correct": letter == answer_text}
                for i, (letter, text) in enumerate(options)
            ],
        }
        result.drafts.append(Draft(body=body, meta={}, location=f"dòng {first_line}"))

    def export(self, items: list[dict]) -> ExportResult:
        """Write single-choice items; other types and questions with over 26 options are skipped."""
        skipped = self.unsupported(items)
        skipped_items = {p.item for p in skipped}
        chunks: list[str] = []
        for number, item in enumerate(items, 1):
            if number in skipped_items:
                continue
            body = item["body"]
            options = body.get("options") or []
            if len(options) > 26:
                skipped.append(ImportProblem(number, None, "Aiken chỉ cho phép tối đa 26 phương án."))
                continue
            lines = [html_to_text(body["stem"])]
            answer = ""
            for index, option in enumerate(options):
                letter = chr(ord("A") + index)
                # Aiken options are single lines; a line break would start a new (invalid) option.
                lines.append(f"{letter}. {' '.join(html_to_text(option['text']).split())}")
                if option.get("correct"):
                    answer = letter
            lines.append(f"ANSWER: {answer}")
            chunks.append("\n".join(lines))
        return ExportResult(("\n\n".join(chunks) + "\n").encode("utf-8"), sorted(skipped, key=lambda p: p.item),
                            self.losses(items, {p.item for p in skipped}))
