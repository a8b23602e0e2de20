"""A Vietnamese exam paper (.docx) split into questions: parts, "Câu N." and unnumbered questions, passages
shared by a group of questions, separators of the exam-mixing tools, and the answer key at the end.

:func:`split_document` walks the blocks of :mod:`docx_reader` once; :mod:`docx_layout` then interprets each
question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from question_bank.formats.docx_keys import (
    CHOICE, SHORT, TRUE_FALSE, AnswerKey, is_key_line, parse_line, table_pairs,
)
from question_bank.formats.docx_labels import QUESTION, marker, question_start
from question_bank.formats.docx_rich import Para, Rich, Table

CHOICE_PART, TF_PART, SHORT_PART, ESSAY_PART = CHOICE, TRUE_FALSE, SHORT, "essay"

_PART = re.compile(r"^\s*PHẦN\s+(IV|V|I{1,3}|[1-5])\b\s*[.:\-–]?\s*(.*)$", re.I | re.S)
_PART_KINDS = ((re.compile(r"ĐÚNG\s*[/–\-]?\s*SAI"), TF_PART), (re.compile(r"TRẢ LỜI NGẮN"), SHORT_PART),
               (re.compile(r"TỰ LUẬN"), ESSAY_PART),
               (re.compile(r"TRẮC NGHIỆM|NHIỀU PHƯƠNG ÁN|LỰA CHỌN"), CHOICE_PART))
_PART_BY_NUMBER = {1: CHOICE_PART, 2: TF_PART, 3: SHORT_PART, 4: ESSAY_PART, 5: ESSAY_PART}
#: Options A–H: exports write 2 to 8 options, so E and F are options of their own, never text of D.
OPTION = re.compile(r"^\s*([A-H])\s*[.)]\s*")
_KEY_HEADING = re.compile(r"^\s*(?:BẢNG\s+)?(?:ĐÁP\s*ÁN|HƯỚNG\s*DẪN\s*CHẤM)\b[^:]*:?\s*$")
_END = re.compile(r"^[\s\-–—_.*=]*HẾT[\s\-–—_.*=]*$", re.I)
#: A passage written for a range of questions without the mixing tools' markers: "Đọc đoạn văn sau và trả lời
#: các câu hỏi từ 1 đến 5", "Dùng thông tin sau cho câu 3 và câu 4", "Questions 31–35 refer to…", "answer the
#: questions from 31 to 35".
_PASSAGE_FOR = re.compile(
    r"(?:(?:trả\s+lời|cho|làm)\s+(?:các\s+)?câu(?:\s+hỏi)?\s+(?:từ\s+)?(?:câu\s+)?"
    r"|answer\s+(?:the\s+)?questions?\s+(?:from\s+)?|^\s*questions?\s+)"
    r"(?P<first>\d{1,3})\s*(?:đến|tới|to|and|và|[-–])\s*(?:câu\s+)?(?P<last>\d{1,3})", re.I)

class ItemError(Exception):
    """One question cannot be imported; the message is Vietnamese and names the problem only."""


@dataclass
class Part:
    label: str   #: roman numeral as printed ("II"), used in locations and meta["section"]
    kind: str | None


@dataclass
class QuestionBlock:
    number: int
    part: Part | None
    index: int            #: đoạn of the "Câu N." paragraph
    head: Rich            #: the "Câu N." paragraph after its label
    paren: str | None     #: "(0,25 điểm)" contents
    blocks: list = field(default_factory=list)
    tags: list[str] = field(default_factory=list)    #: "(CLO4)", "(NB)" around the label
    shared: list = field(default_factory=list)       #: the passage of its group ([<sg>] … [<egc>])
    numbered: bool = True  #: False when the file gives no number (counted in order)

    @property
    def label(self) -> str:
        own = f"Câu {self.number}" if self.numbered else f"Câu hỏi thứ {self.number}"
        return f"Phần {self.part.label}, {own}" if self.part and self.part.label else own


@dataclass
class Document:
    questions: list[QuestionBlock]
    key: AnswerKey


def _roman(text: str) -> str:
    return {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}.get(text, text.upper())


def _part_heading(text: str) -> Part | None:
    match = _PART.match(text)
    upper = text.upper()
    kind = next((k for pattern, k in _PART_KINDS if pattern.search(upper)), None)
    if match:
        label = _roman(match.group(1))
        number = ("I", "II", "III", "IV", "V").index(label) + 1
        return Part(label, kind or _PART_BY_NUMBER[number])
    # "A. TRẮC NGHIỆM", "TỰ LUẬN (3 điểm)": an upper-case heading naming the form of the questions.
    if kind and text == upper and len(text) < 150 and not QUESTION.match(text):
        return Part("", kind)
    return None


def split_document(blocks: list) -> Document:
    """Group blocks into questions (with their part and group passage) and collect the answer key."""
    questions: list[QuestionBlock] = []
    key = AnswerKey()
    part: Part | None = None
    key_part: str | None = None
    state = "preamble"
    separated = False      # right after a "[<br>]" line: the next paragraph starts a question
    passage: list | None = None  # blocks of the group passage being read ([<sg>] … [<egc>])
    shared: list = []      # the passage of the group the following questions belong to
    serves: tuple[int, int] | None = None  # the question numbers a passage without markers is written for
    blocks = _split_marker_lines(blocks)
    # A file in the mixing tools' layout may open with its first question before any "[<br>]".
    separated = _opens_with_question(blocks)
    for block in blocks:
        if isinstance(block, Table):
            pairs = table_pairs([[cell.text() for cell in row] for row in block.rows])
            if pairs is not None or state == "key":
                state = "key"
                for number, value in pairs or []:
                    key.add(key_part, number, value)
            elif passage is not None:
                passage.append(block)
            elif state == "passage":
                shared.append(block)
            elif state == "question":
                questions[-1].blocks.append(block)
            continue
        text = block.rich.plain.strip()
        if not text:
            continue
        if state == "key":
            heading = _part_heading(text)
            if heading is not None and heading.label:
                key_part = heading.label
                continue
            for number, value in parse_line(text):
                key.add(key_part, number, value)
            continue
        found_marker = marker(text)
        if found_marker is not None:
            if found_marker == "sg":
                passage, shared, state = [], [], "group"
            elif found_marker == "egc":
                shared, passage, separated = passage or [], None, True
            elif found_marker == "/sg":
                shared, passage, separated, state = [], None, True, "between"
            elif found_marker == "br":
                separated, state = True, "between"
            continue
        if passage is not None:
            passage.append(block.rich)
            continue
        if _KEY_HEADING.match(text) and text == text.upper() or is_key_line(text):
            state, key_part = "key", None
            for number, value in parse_line(text) if is_key_line(text) else ():
                key.add(None, number, value)
            continue
        heading = _part_heading(text)
        if heading is not None:
            part, state = heading, "preamble"
            continue
        start = question_start(block.rich.plain, separated)
        if start is not None:
            numbered = start.number is not None
            number = start.number if numbered else len(questions) + 1
            if serves is not None and not serves[0] <= number <= serves[1]:
                serves, shared = None, []  # past the questions the passage was written for
            questions.append(QuestionBlock(number, part, block.index,
                                           block.rich.slice(start.end).strip(), start.paren, tags=start.tags,
                                           shared=list(shared), numbered=numbered))
            state, separated = "question", False
            continue
        intro = _PASSAGE_FOR.search(text)
        first, last = (int(intro.group("first")), int(intro.group("last"))) if intro else (0, -1)
        # Only for questions still to come: "như câu 1 và 2" inside a question's own text is not a passage.
        upcoming = not questions or questions[-1].part is not part or first > questions[-1].number
        if intro and first <= last <= first + 50 and upcoming:
            serves, shared, state = (first, last), [block.rich], "passage"
            continue
        if _END.match(text):
            state = "end"
            continue
        if state == "passage":
            shared.append(block.rich)
        elif state == "question":
            questions[-1].blocks.append(block)
    return Document(questions, key)


def _split_marker_lines(blocks: list) -> list:
    """A "[<br>]" typed on the first line of a paragraph (then a line break and the next question) becomes a
    marker paragraph of its own, as the mixing tools mean it."""
    out = []
    for block in blocks:
        if isinstance(block, Para) and "\n" in block.rich.plain:
            first_line = block.rich.plain.split("\n", 1)[0]
            if marker(first_line.strip()) is not None:
                cut = len(first_line) + 1
                out += [Para(block.rich.slice(0, cut - 1), block.index), Para(block.rich.slice(cut), block.index)]
                continue
        out.append(block)
    return out


def _opens_with_question(blocks: list) -> bool:
    """True when a file separated by "[<br>]" opens straight with a question: one paragraph (its stem, with no
    label or tag of its own), then the "A." option line. A title above it leaves the file as it was."""
    if not any(isinstance(b, Para) and marker(b.rich.plain.strip()) == "br" for b in blocks):
        return False
    before: list[str] = []
    for block in blocks:
        if not isinstance(block, Para) or not block.rich.plain.strip():
            continue
        text = block.rich.plain.strip()
        if OPTION.match(text):
            return text[:1] == "A" and len(before) == 1 and question_start(before[0], False) is None
        if marker(text) is not None or len(before) > 1:
            return False
        before.append(text)
    return False
