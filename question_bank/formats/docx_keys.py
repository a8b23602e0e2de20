"""Answer keys as Vietnamese papers print them, for the DOCX importer.

Keys come as lines (``1.A 2.C 3-B``, ``Câu 4: D``, ``1) a-Đ b-S c-Đ d-S``, ``1. -1,5``) or tables (a row
"Câu" over a row "Đáp án", or columns "Câu | Đáp án"). Each value is classified by its shape, so a key
without "PHẦN" headings still finds the right question when numbering restarts in every part: a letter
belongs to part I, an Đ/S pattern to part II, a number to part III.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

CHOICE, TRUE_FALSE, SHORT = "choice", "tf", "short"

_ANCHOR = re.compile(r"(?:^|(?<=[\s;|,]))(?:Câu\s*)?(\d{1,3})\s*[.:)\-–]\s*", re.I)
_CHOICE = re.compile(r"[A-H](?:\s*[,;/&+]?\s*[A-H])*")
_TF_COMPACT = re.compile(r"(?:[ĐS]\s*[-,;/]?\s*){2,4}")
_TF_LABELLED = re.compile(r"([a-d])\s*[-:.)=]?\s*(Đúng|Sai|Đ|S)(?![\wà-ỹ])", re.I)
_NUMBER = r"[-+−]?\d+(?:[.,]\d+)?"
_SHORT = re.compile(rf"{_NUMBER}(?:\s*(?:;|hoặc)\s*{_NUMBER})*", re.I)
_SHORT_SPLIT = re.compile(r"\s*(?:;|\bhoặc\b)\s*", re.I)
_HEADER_NUMBER = re.compile(r"^(?:Câu\s*)?(\d{1,3})\s*[.:]?$", re.I)


def classify(text: str):
    """(kind, value) of one key value, or None when it is not a recognisable answer.

    ``choice`` values are lists of letters, ``tf`` values dicts ``{"a": True, ...}``, ``short`` values
    lists of accepted answer texts as written (decimal comma kept).
    """
    value = text.strip().strip(".;, ")
    if not value:
        return None
    if _CHOICE.fullmatch(value):
        return CHOICE, list(dict.fromkeys(re.findall(r"[A-H]", value)))
    if _TF_COMPACT.fullmatch(value):
        marks = re.findall(r"[ĐS]", value)
        return TRUE_FALSE, {chr(ord("a") + i): m == "Đ" for i, m in enumerate(marks)}
    labelled = _TF_LABELLED.findall(value)
    if labelled and not _TF_LABELLED.sub("", value).strip(" ,;.-"):
        return TRUE_FALSE, {letter.lower(): word[0].upper() == "Đ" for letter, word in labelled}
    if _SHORT.fullmatch(value):
        return SHORT, [part.replace("−", "-") for part in _SHORT_SPLIT.split(value) if part]
    return None


def parse_line(text: str) -> list[tuple[int, str]]:
    """(number, value text) pairs of a key line such as ``1.A  2.C  3-B``."""
    anchors = list(_ANCHOR.finditer(text))
    pairs = []
    for i, anchor in enumerate(anchors):
        end = anchors[i + 1].start() if i + 1 < len(anchors) else len(text)
        pairs.append((int(anchor.group(1)), text[anchor.end():end].strip()))
    return pairs


def is_key_line(text: str) -> bool:
    """True for a paragraph made only of at least three numbered answers (a key printed without heading)."""
    first = _ANCHOR.search(text)
    if first is None or text[: first.start()].strip():
        return False
    pairs = parse_line(text)
    return len(pairs) >= 3 and all(classify(value) for _, value in pairs)


def _is_question_label(text: str) -> bool:
    return text.strip().lower().startswith("câu")


def _is_answer_label(text: str) -> bool:
    lowered = text.strip().lower()
    return lowered.startswith(("đáp án", "đa", "đáp"))


def table_pairs(cells: list[list[str]]) -> list[tuple[int, str]] | None:
    """(number, value) pairs of a key table, or None when the table is not an answer key.

    Handles rows ``Câu | 1 | 2 …`` above ``Đáp án | A | C …`` (repeated for long keys) and header
    rows ``Câu | Đáp án`` (possibly several column pairs side by side).
    """
    pairs: list[tuple[int, str]] = []
    horizontal = False
    for r, row in enumerate(cells):
        if row and _is_question_label(row[0]) and r + 1 < len(cells) and cells[r + 1] \
                and _is_answer_label(cells[r + 1][0]):
            horizontal = True
            for number, value in zip(row[1:], cells[r + 1][1:]):
                match = _HEADER_NUMBER.match(number.strip())
                if match and value.strip():
                    pairs.append((int(match.group(1)), value))
    if horizontal:
        return pairs
    if not cells:
        return None
    header = cells[0]
    columns = [(i, i + 1) for i in range(len(header) - 1)
               if _is_question_label(header[i]) and _is_answer_label(header[i + 1])]
    if not columns:
        return None
    for row in cells[1:]:
        for q, a in columns:
            if a < len(row):
                match = _HEADER_NUMBER.match(row[q].strip())
                if match and row[a].strip():
                    pairs.append((int(match.group(1)), row[a]))
    return pairs


@dataclass
class AnswerKey:
    """Answers found in the key part of a document, by (part, number, kind)."""

    entries: dict[tuple[str | None, int, str], object] = field(default_factory=dict)

    def add(self, section: str | None, number: int, text: str) -> bool:
        """Record one value; False when it is not recognisable as an answer."""
        found = classify(text)
        if not found:
            return False
        kind, value = found
        self.entries[(section, number, kind)] = value
        return True

    def lookup(self, section: str | None, number: int, kind: str):
        """The value for question ``number`` of part ``section`` (the key may omit the part)."""
        for key in ((section, number, kind), (None, number, kind)):
            if key in self.entries:
                return self.entries[key]
        if section is None:
            # Questions without parts but a key printed per part: only an unambiguous match counts.
            matches = [v for (s, n, k), v in self.entries.items() if n == number and k == kind]
            if len(matches) == 1:
                return matches[0]
        return None

    def kinds_for(self, section: str | None, number: int) -> list[str]:
        """Kinds of value the key holds for a question (to recognise an answer-less question's type)."""
        return [k for (s, n, k) in self.entries if n == number and s in (section, None)]
