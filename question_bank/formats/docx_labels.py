"""How a question starts in the Word files teachers and exam-mixing tools really write.

Labels: "Câu 1.", "Câu 1:", "Câu 1 (0,25 điểm):", "Question 1.", with tags in parentheses or brackets before
or after them ("(CLO4) Câu 1:", "Câu 3 (NB).", "[TH] Câu 2."). Files prepared for the common exam-mixing tools
(McMix and the many tools that copied its markers) leave the number out: a question is a paragraph starting
with tags such as "(CLO1)", "(<2>)" or "(NHOM – 1)", questions are separated by a "[<br>]" line, and a group
of questions sharing a passage is written ``[<sg>] passage [<egc>] questions… [</sg>]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

#: One tag in parentheses or brackets: "(CLO4)", "[NB]", "(<1>)", "(NHOM – 2)", "[<TN>]".
_TAG = r"[(\[]\s*<?[^()\[\]<>]{1,24}>?\s*[)\]]"
_TAGS = re.compile(rf"^\s*((?:{_TAG}\s*)*)")
#: Tags recognised after "Câu N." — only known kinds, so a stem opening with "(x + 1)^2" keeps its text.
_KNOWN = (r"[(\[]\s*(?:NB|TH|VDC|VD|Nhận biết|Thông hiểu|Vận dụng cao|Vận dụng|CLO\s*\d+|<\s*[A-Z]{2}\s*>"
          r"|\d+(?:[.,]\d+)?\s*(?:điểm|đ))\s*[)\]]\s*[.:]?")
_KNOWN_TAGS = re.compile(rf"\s*((?:{_KNOWN}\s*)*)", re.I)
#: "Câu 3", "Question 3" (after optional tags), then "." ":" ")" or a "(…)" carrying points or a level.
QUESTION = re.compile(
    rf"^\s*(?P<tags>(?:{_TAG}\s*)*)(?:Câu|Question)\s*(?P<number>\d{{1,4}})\s*"
    r"(?:\((?P<paren>[^)]*)\)\s*[.:]?|[.:)]|$|(?=[\[(]))", re.I)
#: A paragraph that starts a question without a number: an outcome tag (CLO), a mixing tool's child or
#: question number "(<2>)", "(NHOM – 1)", "(DIENKHUYET – 1)".
_UNNUMBERED = re.compile(r"^\s*\((?:CLO\s*\d+|<\d+>|NHOM\s*[–-]\s*\d+|DIENKHUYET\s*[–-]\s*\d+)\)", re.I)
_CHILD_NUMBER = re.compile(r"\(\s*<(\d+)>\s*\)|\(\s*(?:NHOM|DIENKHUYET)\s*[–-]\s*(\d+)\s*\)", re.I)
_MARKER = re.compile(r"^\s*\[\s*<\s*(/?\s*sg|egc|br)\s*>\s*\]\s*$", re.I)
#: Lines the mixing tools put around groups that carry nothing for the platform.
_NOISE = re.compile(r"^\s*\((?:NHOM|KETTHUCNHOM|DIENKHUYET|KETTHUCDIENKHUYET)\)\s*$", re.I)
LEVEL_TAGS = {"nb": "nhan_biet", "nhận biết": "nhan_biet", "th": "thong_hieu", "thông hiểu": "thong_hieu",
              "vd": "van_dung", "vận dụng": "van_dung", "vdc": "van_dung_cao", "vận dụng cao": "van_dung_cao"}
_TYPE_TAG = re.compile(r"^<\s*[A-Z]{2}\s*>$")  # "[<TN>]", "[<MN>]": the mixing tool's type, read from content


def marker(text: str) -> str | None:
    """"br", "sg", "egc" or "/sg" for a separator or group marker line, "noise" for a group label line."""
    match = _MARKER.match(text)
    if match:
        return re.sub(r"\s+", "", match.group(1)).lower()
    return "noise" if _NOISE.match(text) else None


@dataclass
class Start:
    """Where a question's own text begins in its first paragraph, and what its label said."""

    end: int                 #: offset in the paragraph's plain text after the label and tags
    number: int | None       #: the printed number (None: unnumbered, counted in order)
    paren: str | None        #: "(0,25 điểm)" contents after "Câu N"
    tags: list[str] = field(default_factory=list)


def _tags(text: str) -> list[str]:
    return [t.strip("()[] \t").strip() for t in re.findall(_TAG, text)]


def question_start(text: str, separated: bool) -> Start | None:
    """The label of a paragraph that starts a question, or None.

    ``separated`` is true right after a "[<br>]"/"[<egc>]" line: there the next paragraph is a question even
    without any label, as the mixing tools allow.
    """
    match = QUESTION.match(text)
    if match:
        end = match.end()
        tags = _tags(match.group("tags"))
        after = _KNOWN_TAGS.match(text, end)  # "Câu 1 (NB) [<TN>]": known tags after the label too
        tags += _tags(after.group(1))
        paren = match.group("paren") or next((t for t in tags if re.search(r"\d\s*(?:điểm|đ)$", t)), None)
        return Start(after.end(), int(match.group("number")), paren, tags)
    if _UNNUMBERED.match(text) or separated:
        tags_match = _TAGS.match(text)
        # "(<2>)" numbers a question inside its group, not in the paper: such questions are counted in order.
        tags = [t for t in _tags(tags_match.group(1)) if not _CHILD_NUMBER.fullmatch(f"({t})")]
        return Start(tags_match.end(), None, None, tags)
    return None


def read_tags(tags: list[str], meta: dict) -> None:
    """Put a level tag into ``meta["level"]`` and outcome tags (CLO4) into ``meta["tags"]``."""
    for tag in tags:
        lowered = tag.lower().strip()
        if lowered in LEVEL_TAGS:
            meta.setdefault("level", LEVEL_TAGS[lowered])
        elif _TYPE_TAG.match(tag) or re.fullmatch(r"<\d+>", tag):
            continue
        elif re.fullmatch(r"[\w .–-]{1,20}", tag) and not re.search(r"điểm|đ$", lowered):
            meta.setdefault("tags", []).append(tag)
