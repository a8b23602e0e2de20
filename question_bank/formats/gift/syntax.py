"""GIFT's escapes and text formats ([html], [markdown], [plain], [moodle]), shared by reading and writing."""
from __future__ import annotations

import html
import re

from question_bank.formats.base import text_to_html

# Escaped specials are swapped for private-use characters so that splitting on markers ignores them.
_SPECIALS = "~=#{}:\\"
_PLACEHOLDER = {char: chr(0xE000 + i) for i, char in enumerate(_SPECIALS)}
_RESTORE = {v: k for k, v in _PLACEHOLDER.items()}
_NEWLINE_PLACEHOLDER = chr(0xE010)
_RESTORE[_NEWLINE_PLACEHOLDER] = "\n"
_ESCAPE = re.compile(r"\\(.)", re.S)
_GAP = chr(0xE011)
_FORMAT = re.compile(r"^\[(html|markdown|plain|moodle)\]", re.I)
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
