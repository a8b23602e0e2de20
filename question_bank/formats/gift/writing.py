"""Writing GIFT: every type it can express, in [html] format; what it cannot is skipped and reported."""
from __future__ import annotations

from question_bank.formats.base import (
    ExportResult, ImportProblem, choice_weights, cloze_display_text, format_number, meta_tags,
)
from question_bank.formats.gift.syntax import _TRAILER, _escape, _feedback


class GiftWriter:
    """The writing half of :class:`question_bank.formats.gift.GiftFormat`."""

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
