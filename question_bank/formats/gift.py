"""GIFT: Moodle's "General Import Format Template" (plain text).

Covers the practical grammar Moodle reads: ``//`` comment lines (with ``// [tag:...]``), ``$CATEGORY:``,
``::title::``, ``[html]``/``[markdown]``/``[plain]``/``[moodle]`` text formats, escapes ``\\~ \\= \\# \\{ \\} \\:
\\n \\\\``, choice (``=``/``~``, weights ``~%50%``), true/false, short answer, numeric (``#1.5:0.1``,
``#1..2``), matching (``=a -> b``), essay (``{}``), missing word (answers in the middle of the text), per-answer
feedback ``#`` and general feedback ``####``.

Questions are separated by blank lines, as in Moodle, so one broken question (say an unclosed brace at
line 57) is reported with its line and the rest still import.
"""
from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import BinaryIO

from question_bank.formats.base import (
    Draft, ExportResult, Format, ImportProblem, ParseResult, apply_tags, category_to_topic, choice_weights,
    cloze_display_text,
    decode_text, format_number, json_number, letter_id, meta_tags, number_id, parse_decimal, read_limited,
    register, text_to_html, weights_to_keep,
)

# Escaped specials are swapped for private-use characters so that splitting on markers ignores them.
_SPECIALS = "~=#{}:\\"
_PLACEHOLDER = {char: chr(0xE000 + i) for i, char in enumerate(_SPECIALS)}
_RESTORE = {v: k for k, v in _PLACEHOLDER.items()}
_NEWLINE_PLACEHOLDER = chr(0xE010)
_RESTORE[_NEWLINE_PLACEHOLDER] = "\n"
_ESCAPE = re.compile(r"\\(.)", re.S)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TF = re.compile(r"^(T|F|TRUE|FALSE)$", re.I)
_FORMAT = re.compile(r"^\[(html|markdown|plain|moodle)\]", re.I)
_TAG_COMMENT = re.compile(r"\[tag:([^\]]+)\]")
_ID_COMMENT = re.compile(r"\[id:([^\]]+)\]")
_BLANK = "_____"
_GAP = chr(0xE011)
#: Marks a gap written at the very end of a text: GIFT needs text after the braces to mean "missing word".
_TRAILER = "<!-- -->"


class GiftSyntaxError(ValueError):
    """One question's syntax problem; ``offset`` points into the question text to locate the line."""

    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.message, self.offset = message, offset


def _protect(text: str) -> str:
    def swap(match: re.Match) -> str:
        char = match.group(1)
        if char in _PLACEHOLDER:
            return _PLACEHOLDER[char]
        if char == "n":
            return _NEWLINE_PLACEHOLDER
        return match.group(0)  # Moodle keeps unknown escapes as written
    return _ESCAPE.sub(swap, text)


def _restore(text: str) -> str:
    return "".join(_RESTORE.get(char, char) for char in text)


def _escape(text: str) -> str:
    """Escape GIFT specials; newlines become ``\\n`` because a blank line would end the question."""
    out = "".join("\\" + char if char in _SPECIALS else char for char in text)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def _markdown_to_html(text: str) -> str:
    # Only the markdown teachers actually type in GIFT: bold, italic, line breaks. Escape first so
    # nothing the author wrote becomes markup.
    out = html.escape(text.strip(), quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    out = re.sub(r"(?<!\*)\*(?!\s)(.+?)(?<!\s)\*", r"<em>\1</em>", out)
    return out.replace("\n", "<br>")


def _to_html(text: str, fmt: str) -> str:
    # An answer or a feedback may name its own format ("~[plain]blue # [html]wrong"), as Moodle allows.
    own = _FORMAT.match(text.lstrip())
    if own:
        fmt, text = own.group(1).lower(), text.lstrip()[own.end():]
    text = _restore(text)
    if fmt == "html":
        return text.strip()
    if fmt == "markdown":
        return _markdown_to_html(text)
    return text_to_html(text)


def _feedback(entry: dict) -> str:
    """``#feedback`` of an option or answer for export ("" without one)."""
    return f"#{_escape(entry['feedback'])}" if entry.get("feedback") else ""


def _with_feedback(entry: dict, answer: dict, fmt: str) -> dict:
    """``entry`` with the answer's ``#feedback`` (in the question's text format) when it has one."""
    feedback = _to_html(answer.get("feedback") or "", fmt)
    if feedback:
        entry["feedback"] = feedback
    return entry


@register
class GiftFormat(Format):
    name = "gift"
    label = "GIFT"
    extensions = (".gift", ".txt")
    supported_types = frozenset({"single_choice", "multiple_choice", "true_false", "short_answer", "matching",
                                 "cloze", "essay"})
    #: Optional parts GIFT writes (base.OPTIONAL_PARTS); the rest is reported by ``losses`` on export.
    carries = frozenset({"explanation", "name", "idnumber", "options.feedback", "options.weight",
                         "answers.feedback", "formatting"})

    # --- parsing ------------------------------------------------------------------------------------

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

    # --- writing ------------------------------------------------------------------------------------

    def export(self, items: list[dict]) -> ExportResult:
        """Write every type GIFT can express, in [html] format; true/false groups, ordering, multi-gap cloze
        and mixed text/number short answers are skipped and reported."""
        skipped = self.unsupported(items)
        bad = {p.item for p in skipped}
        warnings: list[ImportProblem] = []
        chunks: list[str] = []
        topic = None
        for number, item in enumerate(items, 1):
            if number in bad:
                continue
            body, meta = item["body"], item.get("meta") or {}
            try:
                question = self._write(body, number, warnings)
            except ValueError as exc:
                skipped.append(ImportProblem(number, None, str(exc)))
                continue
            lines = []
            if meta.get("topic") and meta["topic"] != topic:
                topic = meta["topic"]
                lines.append(f"$CATEGORY: $course$/top/{topic}\n")
            lines.extend(f"// [tag:{tag}]" for tag in meta_tags(meta))
            if body.get("idnumber"):
                lines.append(f"// [id:{body['idnumber'].replace(']', '')}]")
            name = body.get("name") or meta.get("name")
            title = f"::{_escape(name)}::" if name else ""
            lines.append(title + question)
            chunks.append("\n".join(lines))
        data = ("\n\n".join(chunks) + "\n").encode("utf-8")
        warnings += self.losses(items, {p.item for p in skipped})
        return ExportResult(data, sorted(skipped, key=lambda p: p.item), warnings)

    def _write(self, body: dict, number: int, warnings: list[ImportProblem]) -> str:
        kind = body["type"]
        general = f"####{_escape(body['explanation'])}" if body.get("explanation") else ""
        stem = _escape(body.get("stem") or "")
        if kind == "single_choice":
            answers = " ".join(("=" if o.get("correct") else "~") + _escape(o["text"]) + _feedback(o)
                               for o in body["options"])
        elif kind == "multiple_choice":
            answers = " ".join(f"~%{format_number(w)}%{_escape(o['text'])}{_feedback(o)}"
                               for o, w in zip(body["options"], choice_weights(body["options"])))
        elif kind == "true_false":
            answers = "TRUE" if body["answer"] else "FALSE"
        elif kind == "short_answer":
            answers = self._write_short(body["answers"])
        elif kind == "matching":
            # "->" separates the sides; an arrow inside the left text is written as an HTML entity.
            answers = " ".join(f"={_escape(p['left'].replace('->', '-&gt;'))} -> {_escape(p['right'])}"
                               for p in body["pairs"])
        elif kind == "essay":
            answers = ""
        elif kind == "cloze":
            return self._write_cloze(body, general)
        else:  # pragma: no cover - guarded by unsupported()
            raise ValueError(f"GIFT không biểu diễn được loại câu hỏi '{kind}'.")
        return f"[html]{stem} {{{answers}{general}}}"

    @staticmethod
    def _write_short(answers: list[dict]) -> str:
        numeric = ["value" in a for a in answers]
        if all(numeric):
            specs = [f"{format_number(a['value'])}:{format_number(a.get('tolerance') or 0)}{_feedback(a)}"
                     for a in answers]
            return "#" + (specs[0] if len(specs) == 1 else " ".join("=" + s for s in specs))
        if any(numeric):
            raise ValueError("GIFT không ghi được câu trả lời ngắn vừa có đáp án chữ vừa có đáp án số.")
        return " ".join("=" + _escape(a["text"]) + _feedback(a) for a in answers)

    @staticmethod
    def _write_cloze(body: dict, general: str) -> str:
        gaps = body.get("gaps") or []
        text = cloze_display_text(body)
        marker = "{{%s}}" % gaps[0]["id"] if len(gaps) == 1 else None
        if marker is None or text.count(marker) != 1:
            raise ValueError("GIFT chỉ ghi được câu điền khuyết có đúng một chỗ trống.")
        before, after = text.split(marker)
        answers = " ".join("=" + _escape(a) for a in gaps[0]["answers"])
        # Text after the braces is what makes GIFT read "missing word"; an empty HTML comment keeps a gap
        # at the very end from turning into a short-answer question.
        return f"[html]{_escape(before)}{{{answers}{general}}}{_escape(after) or _TRAILER}"
