"""Reading GIFT: blank-line separated questions into drafts; a broken question is reported with its line."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import BinaryIO

from question_bank.formats.base import (
    Draft, ImportProblem, ParseResult, apply_tags, category_to_topic, decode_text, format_number, json_number,
    letter_id, number_id, parse_decimal, read_limited, weights_to_keep,
)
from question_bank.formats.gift.syntax import (
    _FORMAT, _GAP, _TRAILER, GiftSyntaxError, _protect, _restore, _to_html, _with_feedback,
)

_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TF = re.compile(r"^(T|F|TRUE|FALSE)$", re.I)
_TAG_COMMENT = re.compile(r"\[tag:([^\]]+)\]")
_ID_COMMENT = re.compile(r"\[id:([^\]]+)\]")
_BLANK = "_____"


class GiftReader:
    """The parsing half of :class:`question_bank.formats.gift.GiftFormat`."""

    def parse(self, stream: BinaryIO) -> ParseResult:
        """Parse a GIFT file. Each question is a blank-line separated block; errors carry line numbers."""
        result = ParseResult()
        topic: str | None = None
        item = 0
        for block in self._blocks(decode_text(read_limited(stream))):
            text = "\n".join(line for _, line in block["lines"])
            first_line = block["lines"][0][0]
            if text.lstrip().startswith("$CATEGORY:"):
                # Kept in the drafts' meta: the import files the questions under the matching curriculum topic.
                topic = category_to_topic(text.split(":", 1)[1]) or None
                continue
            item += 1
            protected = _protect(text)
            try:
                body, meta, notes = self._question(protected)
            except GiftSyntaxError as exc:
                line = first_line
                if exc.offset is not None:
                    line = block["lines"][protected[:exc.offset].count("\n")][0]
                result.problems.append(ImportProblem(item, line, exc.message))
                continue
            if body is None:
                result.problems.append(ImportProblem(item, first_line, notes[0]))
                continue
            if topic:
                meta["topic"] = topic
            ids = block["ids"] + meta.pop("inline_id", [])
            apply_tags(meta, block["tags"] + meta.pop("inline_tag", []))
            if meta.get("name"):
                body["name"] = meta["name"][:255]
            if ids:
                body["idnumber"] = ids[-1][:100]
            result.drafts.append(Draft(body=body, meta=meta, location=f"dòng {first_line}"))
            # The question is imported: what was changed or left out in it is a warning, not a problem.
            result.warnings.extend(ImportProblem(item, first_line, f"dòng {first_line}: {note}") for note in notes)
        return result

    @staticmethod
    def _blocks(source: str):
        """Yield blank-line separated blocks of (line number, text), comment lines removed, tags collected."""
        lines: list[tuple[int, str]] = []
        tags: list[str] = []
        ids: list[str] = []  # Moodle writes "// [id:…]" (the question's ID number) like tags
        for number, raw in enumerate(source.splitlines() + [""], 1):
            stripped = raw.strip()
            if stripped.startswith("//"):
                tags.extend(t.strip() for t in _TAG_COMMENT.findall(stripped))
                ids.extend(t.strip() for t in _ID_COMMENT.findall(stripped))
                continue
            if stripped:
                lines.append((number, raw.rstrip()))
            elif lines:
                yield {"lines": lines, "tags": tags, "ids": ids}
                lines, tags, ids = [], [], []
        # tags in a trailing comment with no question after them belong to nothing: dropped on purpose

    def _question(self, text: str):
        """Parse one protected question text into (body, meta, notes); (None, _, [reason]) to skip it."""
        meta: dict = {}
        notes: list[str] = []
        rest = text.lstrip()
        offset = len(text) - len(rest)
        if rest.startswith("::"):
            end = rest.find("::", 2)
            if end < 0:
                raise GiftSyntaxError("Tiêu đề câu hỏi thiếu dấu '::' đóng.", offset)
            name = _restore(rest[2:end]).strip()
            if name:
                meta["name"] = name
            offset += end + 2
            rest = rest[end + 2:]
        stripped = rest.lstrip()
        offset += len(rest) - len(stripped)
        rest = stripped
        # "[id:…]" and "[tag:…]" written before the text instead of in a comment line.
        while (inline := re.match(r"\[(id|tag):([^\]]+)\]\s*", rest)) is not None:
            meta.setdefault("inline_" + inline.group(1), []).append(_restore(inline.group(2)).strip())
            offset += inline.end()
            rest = rest[inline.end():]
        fmt = "moodle"
        match = _FORMAT.match(rest)
        if match:
            fmt = match.group(1).lower()
            offset += match.end()
            rest = rest[match.end():]
        open_at = rest.find("{")
        close_at = rest.find("}")
        if close_at >= 0 and (open_at < 0 or close_at < open_at):
            raise GiftSyntaxError("Dấu '}' không có dấu '{' mở tương ứng (dùng '\\}' nếu là chữ).",
                                  offset + close_at)
        if open_at < 0:
            return None, meta, ["Câu hỏi không có khối đáp án {...} (dạng mô tả) — đã bỏ qua."]
        if close_at < 0:
            raise GiftSyntaxError("Thiếu dấu '}' đóng khối đáp án.", offset + open_at)
        nested = rest.find("{", open_at + 1)
        if 0 <= nested < close_at:
            raise GiftSyntaxError("Dấu '{' lồng trong khối đáp án (dùng '\\{' nếu là chữ).", offset + nested)
        after = rest[close_at + 1:]
        if "{" in after or "}" in after:
            position = close_at + 1 + min(i for i in (after.find("{"), after.find("}")) if i >= 0)
            raise GiftSyntaxError("Mỗi câu hỏi GIFT chỉ có một khối đáp án {...}.", offset + position)
        before, answers = rest[:open_at], rest[open_at + 1:close_at]
        answer_offset = offset + open_at + 1
        explanation = None
        if "####" in answers:
            answers, general = answers.split("####", 1)
            explanation = _to_html(general, fmt) or None
        missing_word = bool(after.strip())
        body = self._answers(answers.strip(), fmt, answer_offset, notes, missing_word)
        if missing_word:
            # Convert the text around the braces in one piece so the spacing next to the gap survives.
            joined = _to_html(before + _GAP + after.replace(_TRAILER, ""), fmt)
            if body["type"] == "cloze" and "gaps" in body:
                body["stem"] = ""
                body["text"] = joined.replace(_GAP, "{{1}}")
            else:
                body["stem"] = joined.replace(_GAP, _BLANK)
        else:
            body["stem"] = _to_html(before, fmt)
        if not body.get("stem") and body["type"] != "cloze":
            raise GiftSyntaxError("Câu hỏi không có nội dung (đề bài).", offset)
        if explanation:
            body["explanation"] = explanation
        ordered = {"type": body.pop("type"), "stem": body.pop("stem")}
        ordered.update(body)
        return ordered, meta, notes

    def _answers(self, block: str, fmt: str, offset: int, notes: list[str], missing_word: bool) -> dict:
        if not block:
            if missing_word:
                raise GiftSyntaxError("Khối đáp án rỗng ở giữa câu.", offset)
            return {"type": "essay"}
        if block.startswith("#"):
            # Text after a numerical answer block stays in the stem around a blank, as Moodle shows it.
            return self._numeric(block[1:], offset, notes)
        head = block.split("#", 1)[0].strip()
        if _TF.match(head):
            if "#" in block:
                notes.append("Phản hồi cho từng đáp án không được hỗ trợ và đã bị bỏ qua.")
            return {"type": "true_false", "answer": head.upper().startswith("T")}
        answers = self._split_answers(block, offset)
        markers = {a["marker"] for a in answers}
        if any("->" in a["text"] for a in answers):
            if any(a["feedback"] for a in answers):
                notes.append("Phản hồi cho từng cặp ghép không được hỗ trợ và đã bị bỏ qua.")
            return self._matching(answers, fmt, offset, notes)
        if "~" in markers:
            return self._choice(answers, fmt, offset, notes)
        accepted = [a for a in answers if a["weight"] is None or a["weight"] >= 100]
        if len(accepted) < len(answers):
            partial = ", ".join(f"{_restore(a['text']).strip()} ({format_number(a['weight'])}%)"
                                for a in answers if a not in accepted)
            notes.append(f"Đáp án được điểm một phần đã bị bỏ (câu trả lời ngắn chỉ có đáp án đúng): {partial}.")
        if missing_word and any(a["feedback"] for a in accepted):
            notes.append("Phản hồi cho từng đáp án của chỗ trống không được hỗ trợ và đã bị bỏ qua.")
        if not accepted:
            raise GiftSyntaxError("Câu trả lời ngắn không có đáp án đúng (100%).", offset)
        if missing_word:
            return {"type": "cloze", "gaps": [{"id": "1", "answers": [_restore(a["text"]).strip()
                                                                     for a in accepted]}]}
        return {"type": "short_answer", "answers": [_with_feedback({"text": _restore(a["text"]).strip()}, a, fmt)
                                                    for a in accepted]}

    @staticmethod
    def _split_answers(block: str, offset: int) -> list[dict]:
        pieces = re.split(r"(?=[=~])", block)
        if pieces[0].strip():
            raise GiftSyntaxError(f"Đáp án phải bắt đầu bằng '=' hoặc '~': {_restore(pieces[0]).strip()!r}.",
                                  offset)
        answers = []
        for piece in pieces[1:]:
            marker, content = piece[0], piece[1:]
            weight = None
            match = _WEIGHT.match(content.strip())
            if match:
                weight = Decimal(match.group(1))
                content = content.strip()[match.end():]
            text, _, feedback = content.partition("#")
            if not text.strip():
                raise GiftSyntaxError("Có đáp án rỗng trong khối đáp án.", offset)
            answers.append({"marker": marker, "weight": weight, "text": text, "feedback": feedback.strip()})
        if not answers:
            raise GiftSyntaxError("Khối đáp án không có đáp án nào.", offset)
        return answers

    @staticmethod
    def _choice(answers: list[dict], fmt: str, offset: int, notes: list[str]) -> dict:
        weighted = False
        if any(a["marker"] == "=" for a in answers):
            # Moodle: an '=' answer makes it single choice; '~%w%' answers may still carry partial credit.
            correct = [a["marker"] == "=" or (a["weight"] or 0) >= 100 for a in answers]
            kind = "single_choice"
            if sum(correct) != 1:
                raise GiftSyntaxError("Câu một đáp án đúng phải có đúng một đáp án '='; "
                                      "dùng '~%50%' cho câu nhiều đáp án đúng.", offset)
            partial = [a for a, ok in zip(answers, correct) if not ok and a["weight"]]
            if partial:  # single choice scores all or nothing: say which partial credit is not kept
                notes.append("Câu một đáp án đúng không giữ điểm một phần; phương án được coi là sai: " + ", ".join(
                    f"{_restore(a['text']).strip()} ({format_number(a['weight'])}%)" for a in partial) + ".")
        else:
            correct = [(a["weight"] or 0) > 0 for a in answers]
            kind = "multiple_choice"
            weighted = True
            if not any(correct):
                raise GiftSyntaxError("Câu nhiều lựa chọn không có đáp án nào có trọng số dương.", offset)
            total = sum((a["weight"] for a in answers if (a["weight"] or 0) > 0), Decimal(0))
            if abs(total - 100) > Decimal("0.01"):
                raise GiftSyntaxError(f"Tổng trọng số các đáp án đúng là {format_number(total)}%, "
                                      "phải là 100%.", offset)
        if len(answers) < 2:
            raise GiftSyntaxError("Câu trắc nghiệm cần ít nhất 2 phương án.", offset)
        kept = weights_to_keep(correct, [a["weight"] or Decimal(0) for a in answers]) if weighted else None
        options = []
        for i, (a, ok) in enumerate(zip(answers, correct)):
            option = {"id": letter_id(i), "text": _to_html(a["text"], fmt), "correct": ok}
            if kept is not None:
                option["weight"] = kept[i]
            options.append(_with_feedback(option, a, fmt))
        return {"type": kind, "options": options}

    @staticmethod
    def _matching(answers: list[dict], fmt: str, offset: int, notes: list[str]) -> dict:
        pairs = []
        for answer in answers:
            if answer["marker"] != "=" or "->" not in answer["text"]:
                raise GiftSyntaxError("Mỗi cặp ghép phải có dạng '=vế trái -> vế phải'.", offset)
            left, right = answer["text"].split("->", 1)
            if not left.strip():
                notes.append("Phương án nhiễu (vế trái rỗng) của câu ghép đôi không được hỗ trợ và đã bị bỏ qua.")
                continue
            if not right.strip():
                raise GiftSyntaxError("Cặp ghép thiếu vế phải.", offset)
            pairs.append({"id": number_id(len(pairs)), "left": _to_html(left, fmt), "right": _to_html(right, fmt)})
        if len(pairs) < 2:
            raise GiftSyntaxError("Câu ghép đôi cần ít nhất 2 cặp.", offset)
        return {"type": "matching", "pairs": pairs}

    @staticmethod
    def _numeric(block: str, offset: int, notes: list[str]) -> dict:
        pieces = re.split(r"(?=[=~])", block) if "=" in block or "~" in block else [block]
        if pieces[0].strip() and len(pieces) > 1 and "=" in block:
            raise GiftSyntaxError("Đáp án số phải bắt đầu bằng '='.", offset)
        answers = []
        for piece in (p for p in pieces if p.strip()):
            if piece.startswith("~"):
                # "~#Completely wrong": Moodle's feedback for any other number (0 %); nothing to score.
                notes.append(f"Phản hồi cho đáp án số sai đã bị bỏ: {_restore(piece[1:]).strip()!r}.")
                continue
            content = piece[1:] if piece.startswith("=") else piece
            content = content.strip()
            weight = None
            match = _WEIGHT.match(content)
            if match:
                weight, content = Decimal(match.group(1)), content[match.end():]
            spec, _, feedback = content.partition("#")
            spec = _restore(spec).strip()
            if weight is not None and weight < 100:
                notes.append(f"Đáp án số được điểm một phần đã bị bỏ (câu trả lời ngắn chỉ có đáp án đúng): "
                             f"{spec} ({format_number(weight)}%).")
                continue
            if ".." in spec:
                low, high = (parse_decimal(x) for x in spec.split("..", 1))
                if low is None or high is None or low > high:
                    raise GiftSyntaxError(f"Khoảng số không hợp lệ: {spec!r}.", offset)
                value, tolerance = (low + high) / 2, (high - low) / 2
            else:
                value_text, _, tol_text = spec.partition(":")
                value, tolerance = parse_decimal(value_text), parse_decimal(tol_text or "0")
                if value is None or tolerance is None or tolerance < 0:
                    raise GiftSyntaxError(f"Đáp án số không hợp lệ: {spec!r}.", offset)
            answers.append(_with_feedback({"value": json_number(value), "tolerance": json_number(tolerance)},
                                          {"feedback": feedback.strip()}, "moodle"))
        if not answers:
            raise GiftSyntaxError("Câu trả lời số không có đáp án đúng.", offset)
        return {"type": "short_answer", "answers": answers}
