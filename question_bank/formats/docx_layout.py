"""One question of a Vietnamese exam paper (.docx): options, statements, answers, keys and explanations.

:func:`split_document` (:mod:`docx_document`) walks the blocks once (parts, questions, an answer key at the
end); then :func:`interpret` turns each question's blocks into a teacher-shaped body, or into a problem
message that names the question and paragraph ("Câu 7 (đoạn 31): không xác định được đáp án đúng").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from question_bank.formats.base import letter_id, parse_decimal
from question_bank.formats.docx_document import (
    CHOICE_PART, ESSAY_PART, OPTION, SHORT_PART, TF_PART, ItemError, QuestionBlock,
)
from question_bank.formats.docx_fields import key_text, read_answer_line, read_lines, short_answer
from question_bank.formats.docx_keys import CHOICE, SHORT, TRUE_FALSE, AnswerKey, classify
from question_bank.formats.docx_labels import read_tags
from question_bank.formats.docx_rich import (
    BOLD, HIGHLIGHT, RED, UNDERLINE, Piece, Rich, Table, blocks_html as _html_blocks,
)

_POINTS = re.compile(r"([\d]+(?:[.,]\d+)?)\s*(?:điểm|đ)\b", re.I)
_LEVEL = re.compile(r"^\s*[\[(]\s*(NB|TH|VDC|VD|Nhận biết|Thông hiểu|Vận dụng cao|Vận dụng)\s*[\])]\s*[.:]?\s*",
                    re.I)
_LEVELS = {"nb": "nhan_biet", "nhận biết": "nhan_biet", "th": "thong_hieu", "thông hiểu": "thong_hieu",
           "vd": "van_dung", "vận dụng": "van_dung", "vdc": "van_dung_cao", "vận dụng cao": "van_dung_cao"}
# A later option on the same line must be set apart by a tab or at least two spaces, so that "A. Vitamin B. C"
# style text (one space) is never cut.
# Right after a formula or picture one space, or none, is enough: "…$x = 1.$ B. …", "…$dz.$B. …" (MathType
# papers, where the full stop sits inside the formula).
_NEXT_OPTION = re.compile(r"(?:\t|\s{2,}|(?<=[\ue000\ue001])\s?)\s*([A-H])\s*[.)]\s*")
_STATEMENT = re.compile(r"^\s*([a-d])\s*(?:\)|\.(?=\s))\s*")
_CHOOSE = re.compile(r"\bChọn\s*(?:đáp\s*án|phương\s*án)?\s*:?\s*([A-H])\b")
#: Formatting that marks the correct answer, strongest first. Bold is weakest: many teachers bold every letter.
_MARKS = (RED, UNDERLINE, HIGHLIGHT, BOLD)


# -- one question -----------------------------------------------------------------------------------

@dataclass
class _Choice:
    letter: str
    label: Rich   #: the letter itself (its formatting is one way to mark the answer)
    text: Rich
    extra: list = field(default_factory=list)  #: continuation paragraphs/tables


def _split_options(rich: Rich) -> list[_Choice]:
    """Options of one paragraph: ``A. x`` or several on one line separated by tabs/spaces."""
    first = OPTION.match(rich.plain)
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
            if not OPTION.match(lines[0].plain):
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


def _content_of(block):
    return block if isinstance(block, (Table, Rich)) else block.rich


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
    lines = read_lines(question.blocks)
    body_blocks += lines.body
    explanation, answer = lines.explanation, lines.answer
    for block in body_blocks + explanation + lines.fields.blocks():
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
        if lines.no_diacritics and body["type"] == "short_answer":
            body["ignore_diacritics"] = True
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
    lines.fields.apply(body, images)
    return Interpreted(body, meta, images)


def _classify(blocks: list) -> list[tuple[str, object]]:
    """Each block as ("options", [_Choice]), ("statement", _Choice) or ("content", Rich|Table)."""
    out: list[tuple[str, object]] = []
    for block in blocks:
        if isinstance(block, Table):
            options = _cell_options(block)
            out.append(("options", options) if options else ("content", block))
        elif OPTION.match(block.plain):
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
        read = read_answer_line(answer.text())
        if isinstance(read, bool):  # "Đáp án: Đúng" is a true/false question even in the short-answer part
            return {"type": "true_false", "stem": stem, "answer": read}
        texts, answers = read
        from_key = key.lookup(part_label, question.number, SHORT)
        # The key table prints a number without its accepted error ("-1,5" for "-1,5 ± 0").
        if from_key and [k.replace(".", ",") for k in from_key] != [key_text(t).replace(".", ",") for t in texts]:
            raise ItemError(f"đáp án theo dòng 'Đáp án' ({'; '.join(texts)}) khác bảng đáp án "
                            f"({'; '.join(from_key)})")
        return {"type": "short_answer", "stem": stem, "answers": answers}
    from_key = key.lookup(part_label, question.number, SHORT)
    if not from_key:
        raise ItemError("không có dòng 'Đáp án:' và không có trong bảng đáp án")
    return {"type": "short_answer", "stem": stem, "answers": [short_answer(t) for t in from_key]}
