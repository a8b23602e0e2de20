"""The optional parts of a question body an exchange format may be unable to write.

Each format declares the parts it ``carries``; :meth:`Format.losses` turns the others into export warnings,
and the round-trip tests check the declarations against what actually comes back.
"""
from __future__ import annotations

import re

_TAG = re.compile(r"<[^>]+>")

#: Parts of a question body some exchange formats cannot write, with the words an export warning uses.
OPTIONAL_PARTS = {
    "explanation": "lời giải (explanation)",
    "name": "tên câu hỏi (name)",
    "idnumber": "mã câu hỏi (idnumber)",
    "options.feedback": "phản hồi của phương án (feedback)",
    "options.weight": "trọng số phương án (weight)",
    "answers.feedback": "phản hồi của đáp án (feedback)",
    "rubric": "hướng dẫn chấm (rubric)",
    "ignore_diacritics": "chấm không phân biệt dấu (ignore_diacritics)",
    "rule": "quy tắc mẫu thi 2025 (rule)",
    "cloze.stem": "lời dẫn riêng của câu điền khuyết (stem; được ghép vào đầu đoạn văn)",
    "formatting": "định dạng HTML (đoạn, chữ đậm, bảng, hình) của đề bài và phương án — chỉ giữ chữ",
}
#: Rich-text fields of a body and of its entries (what "formatting" looks at).
_RICH_FIELDS = ("stem", "text")
_RICH_ENTRIES = {"options": ("text",), "statements": ("text",), "pairs": ("left", "right"), "items": ("text",)}


def _present(value) -> bool:
    return not (value is None or value is False or (isinstance(value, str) and not value.strip()))


def optional_parts(body: dict) -> list[str]:
    """The OPTIONAL_PARTS ``body`` has (a weight of 0 counts: it is part of the scoring)."""
    found = []
    for part in OPTIONAL_PARTS:
        head, _, tail = part.partition(".")
        if part == "cloze.stem":
            present = body.get("type") == "cloze" and _present(body.get("stem"))
        elif part == "formatting":
            texts = [body.get(name) for name in _RICH_FIELDS] + [
                entry.get(name) for key, names in _RICH_ENTRIES.items() for entry in body.get(key) or []
                if isinstance(entry, dict) for name in names]
            present = any(isinstance(text, str) and _TAG.search(text) for text in texts)
        elif tail:
            present = any(isinstance(e, dict) and _present(e.get(tail)) for e in body.get(head) or [])
        else:
            present = _present(body.get(head))
        if present:
            found.append(part)
    return found
