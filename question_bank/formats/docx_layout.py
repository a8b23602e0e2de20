"""The Vietnamese exam-paper layout of a .docx: parts, "Câu N." questions, options, statements and keys.

:func:`split_document` walks the blocks once (parts, questions, an answer key at the end); then
:func:`interpret` turns each question's blocks into a teacher-shaped body, or into a problem message
that names the question and paragraph ("Câu 7 (đoạn 31): không xác định được đáp án đúng").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from question_bank.formats.base import json_number, letter_id, parse_decimal
from question_bank.formats.docx_keys import (
    CHOICE, SHORT, TRUE_FALSE, AnswerKey, classify, is_key_line, parse_line, table_pairs,
)
from question_bank.formats.docx_labels import QUESTION, marker, question_start, read_tags
from question_bank.formats.docx_rich import BOLD, HIGHLIGHT, RED, UNDERLINE, Para, Piece, Rich, Table

CHOICE_PART, TF_PART, SHORT_PART, ESSAY_PART = CHOICE, TRUE_FALSE, SHORT, "essay"

_PART = re.compile(r"^\s*PHẦN\s+(IV|V|I{1,3}|[1-5])\b\s*[.:\-–]?\s*(.*)$", re.I | re.S)
_PART_KINDS = ((re.compile(r"ĐÚNG\s*[/–\-]?\s*SAI"), TF_PART), (re.compile(r"TRẢ LỜI NGẮN"), SHORT_PART),
               (re.compile(r"TỰ LUẬN"), ESSAY_PART),
               (re.compile(r"TRẮC NGHIỆM|NHIỀU PHƯƠNG ÁN|LỰA CHỌN"), CHOICE_PART))
_PART_BY_NUMBER = {1: CHOICE_PART, 2: TF_PART, 3: SHORT_PART, 4: ESSAY_PART, 5: ESSAY_PART}
_POINTS = re.compile(r"([\d]+(?:[.,]\d+)?)\s*(?:điểm|đ)\b", re.I)
_LEVEL = re.compile(r"^\s*[\[(]\s*(NB|TH|VDC|VD|Nhận biết|Thông hiểu|Vận dụng cao|Vận dụng)\s*[\])]\s*[.:]?\s*",
                    re.I)
_LEVELS = {"nb": "nhan_biet", "nhận biết": "nhan_biet", "th": "thong_hieu", "thông hiểu": "thong_hieu",
           "vd": "van_dung", "vận dụng": "van_dung", "vdc": "van_dung_cao", "vận dụng cao": "van_dung_cao"}
#: Options A–H: exports write 2 to 8 options, so E and F are options of their own, never text of D.
_OPTION = re.compile(r"^\s*([A-H])\s*[.)]\s*")
# A later option on the same line must be set apart by a tab or at least two spaces, so that "A. Vitamin B. C"
# style text (one space) is never cut.
# Right after a formula or picture one space, or none, is enough: "…$x = 1.$ B. …", "…$dz.$B. …" (MathType
# papers, where the full stop sits inside the formula).
_NEXT_OPTION = re.compile(r"(?:\t|\s{2,}|(?<=[\ue000\ue001])\s?)\s*([A-H])\s*[.)]\s*")
_STATEMENT = re.compile(r"^\s*([a-d])\s*(?:\)|\.(?=\s))\s*")
_ANSWER = re.compile(r"^\s*(?:Đáp\s*án|Đáp\s*số|ĐA|Trả\s*lời)\s*(?:đúng)?\s*[:.]\s*", re.I)
_EXPLANATION = re.compile(
    r"^\s*(?:Lời\s*giải|Hướng\s*dẫn\s*giải|Hướng\s*dẫn|Giải\s*thích|Giải|HDG|HD)\s*(?:chi\s*tiết)?\s*[:.]\s*", re.I)
_KEY_HEADING = re.compile(r"^\s*(?:BẢNG\s+)?(?:ĐÁP\s*ÁN|HƯỚNG\s*DẪN\s*CHẤM)\b[^:]*:?\s*$")
_END = re.compile(r"^[\s\-–—_.*=]*HẾT[\s\-–—_.*=]*$", re.I)
#: A passage written for a range of questions without the mixing tools' markers: "Đọc đoạn văn sau và trả lời
#: các câu hỏi từ 1 đến 5", "Dùng thông tin sau cho câu 3 và câu 4", "Questions 31–35 refer to…", "answer the
#: questions from 31 to 35".
_PASSAGE_FOR = re.compile(
    r"(?:(?:trả\s+lời|cho|làm)\s+(?:các\s+)?câu(?:\s+hỏi)?\s+(?:từ\s+)?(?:câu\s+)?"
    r"|answer\s+(?:the\s+)?questions?\s+(?:from\s+)?|^\s*questions?\s+)"
    r"(?P<first>\d{1,3})\s*(?:đến|tới|to|and|và|[-–])\s*(?:câu\s+)?(?P<last>\d{1,3})", re.I)
_CHOOSE = re.compile(r"\bChọn\s*(?:đáp\s*án|phương\s*án)?\s*:?\s*([A-H])\b")
_TRUE_WORDS, _FALSE_WORDS = ("đúng", "đ", "true"), ("sai", "s", "false")
#: Formatting that marks the correct answer, strongest first. Bold is weakest: many teachers bold every letter.
_MARKS = (RED, UNDERLINE, HIGHLIGHT, BOLD)


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


class ItemError(Exception):
    """One question cannot be imported; the message is Vietnamese and names the problem only."""


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
        if _OPTION.match(text):
            return text[:1] == "A" and len(before) == 1 and question_start(before[0], False) is None
        if marker(text) is not None or len(before) > 1:
            return False
        before.append(text)
    return False


# -- one question -----------------------------------------------------------------------------------

@dataclass
class _Choice:
    letter: str
    label: Rich   #: the letter itself (its formatting is one way to mark the answer)
    text: Rich
    extra: list = field(default_factory=list)  #: continuation paragraphs/tables


def _split_options(rich: Rich) -> list[_Choice]:
    """Options of one paragraph: ``A. x`` or several on one line separated by tabs/spaces."""
    first = _OPTION.match(rich.plain)
    starts = [(first.start(1), first.end(), first.group(1))]
    expected = chr(ord(first.group(1)) + 1)
    for match in _NEXT_OPTION.finditer(rich.plain, first.end()):
        if match.group(1) == expected:
            starts.append((match.start(1), match.end(), expected))
            expected = chr(ord(expected) + 1)
    out = []
    for i, (letter_at, text_at, letter) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(rich.plain)
        out.append(_Choice(letter, rich.slice(letter_at, letter_at + 1), rich.slice(text_at, end).strip()))
    return out


def _cell_options(table: Table) -> list[_Choice] | None:
    """Options laid out in a table (2x2, 1x4, 4x1), or None when the table is ordinary content."""
    found: list[_Choice] = []
    for row in table.rows:
        for cell in row:
            lines = [r for r in cell.rich_lines() if r.plain.strip()]
            if not lines:
                continue
            if not _OPTION.match(lines[0].plain):
                return None
            choices = _split_options(lines[0])
            choices[-1].extra.extend(lines[1:])
            found.extend(choices)
    return found or None


def _marked(parts: list[tuple[Rich, Rich]], allow_all: bool) -> set[int]:
    """Indexes of the parts the teacher marked as correct (letter or text formatted as an answer mark).

    A mark carried by every part is styling, not an answer (all letters bold), except for statements
    where all four may be true and red/underline are never decoration.
    """
    count = len(parts)
    for flag in _MARKS:
        marked: set[int] = set()
        for side in (0, 1):
            found = {i for i, pair in enumerate(parts) if pair[side].coverage(flag) >= 0.5}
            if found and (len(found) < count or (allow_all and flag != BOLD) or count == 1):
                marked |= found
        if marked:
            return marked
    return set()


def _html_blocks(items: list, keep_marks: bool, images: set[str]) -> str:
    """Paragraphs/tables as HTML: a single paragraph stays inline, several become ``<p>`` elements."""
    rendered = []
    for item in items:
        if isinstance(item, Table):
            rendered.append((True, item.html(images)))
        elif item.plain.strip():
            rendered.append((False, item.html(keep_marks, images)))
    if len(rendered) == 1 and not rendered[0][0]:
        return rendered[0][1]
    return "".join(markup if is_table else f"<p>{markup}</p>" for is_table, markup in rendered)


def _content_of(block):
    return block if isinstance(block, (Table, Rich)) else block.rich


def _content(block):
    return block if isinstance(block, Table) else block.rich


def _letters(values) -> str:
    return ", ".join(sorted(values))


@dataclass
class Interpreted:
    body: dict
    meta: dict
    images: set[str]


def interpret(question: QuestionBlock, key: AnswerKey) -> Interpreted:
    """The teacher-shaped body of one question, or ItemError saying what is wrong with it."""
    meta: dict = {}
    read_tags(question.tags + ([question.paren] if question.paren else []), meta)
    head = question.head
    level = _LEVEL.match(head.plain)
    if level:
        meta["level"] = _LEVELS[level.group(1).lower()]
        head = head.slice(level.end()).strip()
    if question.paren:
        points = _POINTS.search(question.paren)
        if points and parse_decimal(points.group(1)) is not None:
            meta["points"] = parse_decimal(points.group(1))
    if question.part and question.part.label:
        meta["section"] = question.part.label

    # A group's passage opens the stem of each of its questions, so each stands alone in the bank.
    body_blocks: list = [_content_of(b) for b in question.shared] + ([head] if head.plain.strip() else [])
    explanation: list = []
    answer: Rich | None = None
    blocks = list(question.blocks)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if explanation or (isinstance(block, Para) and _EXPLANATION.match(block.rich.plain)):
            if not explanation:
                rest = block.rich.slice(_EXPLANATION.match(block.rich.plain).end()).strip()
                explanation.append(rest)
            else:
                explanation.append(_content(block))
        elif isinstance(block, Para) and answer is None and _ANSWER.match(block.rich.plain):
            answer = block.rich.slice(_ANSWER.match(block.rich.plain).end()).strip()
            if not answer.plain.strip() and i + 1 < len(blocks) and isinstance(blocks[i + 1], Para):
                i += 1  # "Đáp án:" with the answer on the next line
                answer = blocks[i].rich.strip()
        else:
            body_blocks.append(_content(block))
        i += 1
    if answer is None:
        for block in explanation:
            if isinstance(block, Rich) and _ANSWER.match(block.plain):
                answer = block.slice(_ANSWER.match(block.plain).end()).strip()
    for block in body_blocks + explanation:
        if isinstance(block, Rich) and block.has_broken_image:
            raise ItemError("có hình ảnh bị thiếu trong tệp")

    images: set[str] = set()
    kind = question.part.kind if question.part else None
    layout = _classify(body_blocks)
    if kind is None or kind not in (CHOICE_PART, TF_PART, SHORT_PART, ESSAY_PART):
        kind = _infer_kind(layout, answer, key, question)
    if kind == CHOICE_PART:
        body = _choice_body(layout, answer, explanation, key, question, images)
    elif kind == TF_PART:
        body = _statements_body(layout, answer, key, question, images)
    elif kind == SHORT_PART:
        body = _short_body(body_blocks, answer, key, question, images)
    else:
        body = {"type": "essay", "stem": _html_blocks(body_blocks, True, images)}
    if question.shared:
        # "Questions {<1>} – {<3>} refer to…": the mixing tools' placeholders for the group's numbers.
        body["stem"] = re.sub(r"\{&lt;(\d+)&gt;\}", r"\1", body["stem"])
    if not re.sub(r"<[^>]+>", "", body["stem"]).strip() and "<img" not in body["stem"]:
        raise ItemError("câu hỏi không có nội dung đề bài")
    if explanation:
        text = _html_blocks(explanation, True, images)
        if text:
            body["explanation"] = text
    return Interpreted(body, meta, images)


def _classify(blocks: list) -> list[tuple[str, object]]:
    """Each block as ("options", [_Choice]), ("statement", _Choice) or ("content", Rich|Table)."""
    out: list[tuple[str, object]] = []
    for block in blocks:
        if isinstance(block, Table):
            options = _cell_options(block)
            out.append(("options", options) if options else ("content", block))
        elif _OPTION.match(block.plain):
            out.append(("options", _split_options(block)))
        elif _STATEMENT.match(block.plain):
            match = _STATEMENT.match(block.plain)
            out.append(("statement", _Choice(match.group(1), block.slice(match.start(1), match.start(1) + 1),
                                             block.slice(match.end()).strip())))
        else:
            out.append(("content", block))
    return out


def _infer_kind(layout, answer: Rich | None, key: AnswerKey, question: QuestionBlock) -> str:
    if any(role == "options" for role, _ in layout):
        return CHOICE_PART
    if sum(1 for role, _ in layout if role == "statement") >= 2:
        return TF_PART
    if answer is not None:
        return SHORT_PART
    kinds = key.kinds_for(question.part.label if question.part else None, question.number)
    if SHORT in kinds:
        return SHORT_PART
    raise ItemError("không nhận dạng được dạng câu hỏi (không có phương án A, B, C…, mệnh đề a)–d) "
                    "hay dòng 'Đáp án:')")


def _as_rich(choice: _Choice, closing: str) -> Rich:
    """A part line put back as text ("a) ..." kept in the stem of a multiple-choice question)."""
    return Rich([*choice.label.pieces, Piece(closing + " "), *choice.text.pieces])


def _collect(layout, wanted: str) -> tuple[list, list[_Choice]]:
    """Stem blocks before the first ``wanted`` part, and the parts with their continuation blocks."""
    stem: list = []
    parts: list[_Choice] = []
    for role, value in layout:
        if role == wanted:
            parts.extend(value if isinstance(value, list) else [value])
            continue
        if role == "content":
            lines = [value]
        else:
            closing = "." if role == "options" else ")"
            lines = [_as_rich(c, closing) for c in (value if isinstance(value, list) else [value])]
        # Text after a part (a picture under option D, a second line) continues that part.
        (parts[-1].extra if parts else stem).extend(lines)
    return stem, parts


def _check_letters(parts: list[_Choice], first: str, what: str) -> None:
    letters = [p.letter for p in parts]
    expected = [chr(ord(first) + i) for i in range(len(letters))]
    if len(set(letters)) != len(letters):
        duplicate = next(letter for letter in letters if letters.count(letter) > 1)
        raise ItemError(f"{what} {duplicate} bị lặp")
    if letters != expected:
        raise ItemError(f"các {what} không theo thứ tự ({', '.join(letters)})")
    needed = 4 if first == "a" else 2  # a)–d) is the national true/false format; choices need two or more
    if len(letters) < needed:
        closing = ")" if first == "a" else "."
        listed = ", ".join(f"{letter}{closing}" for letter in letters)
        raise ItemError(f"chỉ có {len(letters)} {what} ({listed}); cần ít nhất {needed}")


def _part_html(part: _Choice, images: set[str]) -> str:
    blocks = [part.text, *part.extra]
    rendered = [b.html(images) if isinstance(b, Table) else b.html(False, images) for b in blocks
                if isinstance(b, Table) or b.plain.strip()]
    return "<br>".join(rendered)


def _agree(sources: list[tuple[str, object]], question: QuestionBlock, describe) -> object:
    """The one answer all sources agree on; ItemError when none exists or two of them disagree."""
    present = [(name, value) for name, value in sources if value]
    if not present:
        raise ItemError("không xác định được đáp án đúng")
    first_name, first = present[0]
    for name, value in present[1:]:
        if value != first:
            raise ItemError(f"đáp án theo {first_name} ({describe(first)}) khác {name} ({describe(value)})")
    return first


def _choice_body(layout, answer, explanation, key, question, images) -> dict:
    stem, parts = _collect(layout, "options")
    if not parts:
        raise ItemError("không có phương án A, B, C…")
    _check_letters(parts, "A", "phương án")
    for part in parts:
        if not part.text.plain.strip() and not part.extra:
            raise ItemError(f"phương án {part.letter} không có nội dung")
    marked = {parts[i].letter for i in _marked([(p.label, p.text) for p in parts], allow_all=False)}
    from_line = None
    if answer is not None:
        found = re.fullmatch(r"\s*([A-H](?:\s*[,;]?\s*[A-H])*)\s*\.?\s*", answer.plain)
        from_line = set(re.findall(r"[A-H]", found.group(1))) if found else None
    part_label = question.part.label if question.part else None
    from_key = set(key.lookup(part_label, question.number, CHOICE) or ())
    sources = [("dòng 'Đáp án'", from_line), ("định dạng (gạch chân/tô đỏ/in đậm)", marked),
               ("bảng đáp án", from_key)]
    if not any(value for _, value in sources):
        chosen = [m.group(1) for b in explanation if isinstance(b, Rich) for m in _CHOOSE.finditer(b.plain)]
        sources.append(("lời giải", set(chosen[-1:])))
    correct = _agree(sources, question, _letters)
    unknown = sorted(set(correct) - {p.letter for p in parts})
    if unknown:  # a key naming an option the question lacks is never turned into another key
        raise ItemError(f"đáp án {', '.join(unknown)} không có trong các phương án "
                        f"({', '.join(p.letter for p in parts)})")
    return {
        "type": "single_choice" if len(correct) == 1 else "multiple_choice",
        "stem": _html_blocks(stem, True, images),
        "options": [{"id": letter_id(i), "text": _part_html(p, images), "correct": p.letter in correct}
                    for i, p in enumerate(parts)],
    }


def _tf_value(text: str) -> bool | None:
    word = text.strip().strip(".").lower()
    return True if word in _TRUE_WORDS else False if word in _FALSE_WORDS else None


def _statements_body(layout, answer, key, question, images) -> dict:
    stem, parts = _collect(layout, "statement")
    if not parts:
        raise ItemError("không có mệnh đề a), b), c), d)")
    _check_letters(parts, "a", "mệnh đề")
    from_line = None
    if answer is not None:
        found = classify(answer.plain)
        from_line = found[1] if found and found[0] == TRUE_FALSE else None
    part_label = question.part.label if question.part else None
    from_key = key.lookup(part_label, question.number, TRUE_FALSE)
    marked_idx = _marked([(p.label, p.text) for p in parts], allow_all=True)
    marked = {p.letter: i in marked_idx for i, p in enumerate(parts)} if marked_idx else None
    letters = [p.letter for p in parts]

    def describe(value: dict) -> str:
        return " ".join(f"{k}-{'Đ' if value.get(k) else 'S'}" for k in letters)

    values = _agree([("dòng 'Đáp án'", from_line), ("bảng đáp án", from_key),
                     ("định dạng (gạch chân/tô đỏ)", marked)], question, describe)
    missing = [letter for letter in letters if letter not in values]
    if missing:
        raise ItemError(f"đáp án không có mệnh đề {', '.join(missing)}")
    return {
        "type": "true_false_group",
        "stem": _html_blocks(stem, True, images),
        "statements": [{"id": p.letter, "text": _part_html(p, images), "correct": bool(values[p.letter])}
                       for p in parts],
    }


def _short_body(body_blocks, answer, key, question, images) -> dict:
    stem = _html_blocks(body_blocks, True, images)
    part_label = question.part.label if question.part else None
    if answer is not None and answer.text():
        as_bool = _tf_value(answer.text())
        if as_bool is not None:  # "Đáp án: Đúng" is a true/false question even in the short-answer part
            return {"type": "true_false", "stem": stem, "answer": as_bool}
        texts = [t.strip() for t in re.split(r"\s*(?:;|\bhoặc\b)\s*", answer.text()) if t.strip()]
        # A final full stop ends the sentence, it is not part of the answer ("Đáp án: 2,5.").
        texts = [t[:-1] if t.endswith(".") and len(t) > 1 else t for t in texts]
        from_key = key.lookup(part_label, question.number, SHORT)
        if from_key and [k.replace(".", ",") for k in from_key] != [t.replace(".", ",") for t in texts]:
            raise ItemError(f"đáp án theo dòng 'Đáp án' ({'; '.join(texts)}) khác bảng đáp án "
                            f"({'; '.join(from_key)})")
        return {"type": "short_answer", "stem": stem, "answers": [_short_answer(t) for t in texts]}
    from_key = key.lookup(part_label, question.number, SHORT)
    if not from_key:
        raise ItemError("không có dòng 'Đáp án:' và không có trong bảng đáp án")
    return {"type": "short_answer", "stem": stem, "answers": [_short_answer(t) for t in from_key]}


_TOLERANCE = re.compile(r"^(?P<value>[-+−]?\d+(?:[.,]\d+)?)\s*(?:±|\+/?-|\(\s*sai số\s*:?)\s*"
                        r"(?P<tolerance>\d+(?:[.,]\d+)?)\s*\)?$", re.I)


def _short_answer(text: str) -> dict:
    """A typed answer, or a number with an accepted error ("1,5 ± 0,01", "1,5 (sai số 0,01)")."""
    match = _TOLERANCE.match(text)
    if match:
        value = parse_decimal(match.group("value").replace("−", "-"))
        tolerance = parse_decimal(match.group("tolerance"))
        if value is not None and tolerance is not None:
            return {"value": json_number(value), "tolerance": json_number(tolerance)}
    return {"text": text}
