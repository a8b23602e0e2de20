"""The labelled lines a DOCX export writes under a question, beyond the paper itself, and their reading.

A teacher's copy (with the key) carries what the bank stores besides the paper, each as a Vietnamese line a
teacher can read and edit:

* ``Trọng số: A 50%, B 50%, C -50%, D 0%``: partial-credit weights of a multiple-choice question;
* ``Dạng câu hỏi: nhiều đáp án đúng``: a multiple-choice question with a single correct option (the paper
  alone would read back as single choice, a different key);
* ``Phản hồi A: …`` per option, ``Phản hồi đáp án 1: …`` per accepted short answer;
* ``Hướng dẫn chấm: …`` (with following paragraphs or bullet lists): an essay's rubric;
* ``Quy tắc trả lời: thpt2025 (…)``: the answer-sheet rule of a short answer;
* ``Tên câu hỏi: …`` and ``Mã câu hỏi: …``: the question's name and ID number;
* ``Đáp án (không phân biệt dấu): …``: a short answer accepted without diacritics (read by the answer line
  of :mod:`docx_layout`; :data:`NO_DIACRITICS` is its wording).

:class:`Fields` collects them while :func:`docx_layout.interpret` walks a question and :meth:`Fields.apply`
puts them on the body, refusing (ItemError) what does not fit the question (a weight for an option it lacks).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from question_bank.formats.base import format_number, json_number, parse_decimal
from question_bank.formats.docx_document import ItemError
from question_bank.formats.docx_rich import Para, Rich, Table, blocks_html

WEIGHTS = "Trọng số"
KIND = "Dạng câu hỏi"
MULTIPLE = "nhiều đáp án đúng"
FEEDBACK = "Phản hồi"
ANSWER_FEEDBACK = "Phản hồi đáp án"
RUBRIC = "Hướng dẫn chấm"
RULE = "Quy tắc trả lời"
NAME = "Tên câu hỏi"
IDNUMBER = "Mã câu hỏi"
NO_DIACRITICS = "không phân biệt dấu"
#: How a rule is explained after its id on the paper.
RULE_NOTES = {"thpt2025": "mẫu thi 2025: tối đa 4 kí tự gồm chữ số, dấu trừ, dấu phẩy"}

_LINE = re.compile(
    r"^\s*(?:(?P<weights>Trọng\s*số)|(?P<kind>Dạng\s*câu\s*hỏi)"
    r"|Phản\s*hồi\s*(?:đáp\s*án\s*(?P<answer>\d{1,2})|(?P<letter>[A-H]))"
    r"|(?P<rubric>Hướng\s*dẫn\s*chấm)|(?P<rule>Quy\s*tắc\s*trả\s*lời)|(?P<name>Tên\s*câu\s*hỏi)"
    r"|(?P<idnumber>Mã\s*câu\s*hỏi))\s*:\s*")
#: "Đáp án:" (optionally "(không phân biệt dấu)") before an answer.
ANSWER = re.compile(r"^\s*(?:Đáp\s*án|Đáp\s*số|ĐA|Trả\s*lời)\s*(?:đúng)?\s*"
                    r"(?:\(\s*(?P<nodiacritics>không\s*phân\s*biệt\s*dấu)\s*\)\s*)?[:.]\s*", re.I)
EXPLANATION = re.compile(
    r"^\s*(?:Lời\s*giải|Hướng\s*dẫn\s*giải|Hướng\s*dẫn|Giải\s*thích|Giải|HDG|HD)\s*(?:chi\s*tiết)?\s*[:.]\s*", re.I)
_TOLERANCE = re.compile(r"^(?P<value>[-+−]?\d+(?:[.,]\d+)?)\s*(?:±|\+/?-|\(\s*sai số\s*:?)\s*"
                        r"(?P<tolerance>\d+(?:[.,]\d+)?)\s*\)?$", re.I)
_TRUE_WORDS, _FALSE_WORDS = ("đúng", "đ", "true"), ("sai", "s", "false")
_WEIGHT = re.compile(r"\s*([A-H])\s*([-+−]?\d+(?:[.,]\d+)?)\s*%\s*(?:[,;]|$)")


def weights_line(options: list[dict]) -> str:
    """``A 50%, B 50%, C -50%, D 0%`` (decimal comma) for options of which at least one has a weight."""
    return ", ".join(f"{chr(ord('A') + i)} {format_number(o.get('weight', 0)).replace('.', ',')}%"
                     for i, o in enumerate(options))


def rule_line(rule: str) -> str:
    """The value of the ``Quy tắc trả lời`` line: the rule's id, then what it means."""
    note = RULE_NOTES.get(rule)
    return f"{rule} ({note})" if note else rule


def short_answer(text: str) -> dict:
    """A typed answer, or a number with an accepted error ("1,5 ± 0,01", "1,5 (sai số 0,01)", "2 ± 0")."""
    match = _TOLERANCE.match(text)
    if match:
        value = parse_decimal(match.group("value").replace("−", "-"))
        tolerance = parse_decimal(match.group("tolerance"))
        if value is not None and tolerance is not None:
            return {"value": json_number(value), "tolerance": json_number(tolerance)}
    return {"text": text}


def key_text(text: str) -> str:
    """An answer as a key table prints it: a number without its accepted error."""
    match = _TOLERANCE.match(text)
    return match.group("value") if match else text


def read_answer_line(text: str) -> bool | tuple[list[str], list[dict]]:
    """What an "Đáp án:" line of a short-answer question says: True/False for "Đúng"/"Sai" (a true/false
    question), else the answers as written and as accepted answers. The exporter checks its own lines with
    this, so an answer the line cannot carry is never written (:func:`docx_writer.unwritable`)."""
    word = text.strip().strip(".").lower()
    if word in _TRUE_WORDS or word in _FALSE_WORDS:
        return word in _TRUE_WORDS
    texts = [t.strip() for t in re.split(r"\s*(?:;|\bhoặc\b)\s*", text) if t.strip()]
    # A final full stop ends the sentence, it is not part of the answer ("Đáp án: 2,5.").
    texts = [t[:-1] if t.endswith(".") and len(t) > 1 else t for t in texts]
    return texts, [short_answer(t) for t in texts]


def _parse_weights(text: str) -> dict[str, int | float]:
    weights: dict[str, int | float] = {}
    text = text.strip().rstrip(".")
    position = 0
    while position < len(text):
        match = _WEIGHT.match(text, position)
        if match is None:
            raise ItemError(f"dòng '{WEIGHTS}' không đọc được ({text.strip()}); cần dạng 'A 50%, B 50%, C 0%'")
        letter = match.group(1)
        if letter in weights:
            raise ItemError(f"dòng '{WEIGHTS}' ghi phương án {letter} hai lần")
        weights[letter] = json_number(parse_decimal(match.group(2).replace("−", "-")))
        position = match.end()
    return weights


@dataclass
class Fields:
    """The labelled lines found in one question (see the module docstring)."""

    weights: dict[str, int | float] | None = None
    multiple: bool = False
    feedback: dict[str, list] = field(default_factory=dict)          #: option letter -> blocks
    answer_feedback: dict[int, list] = field(default_factory=dict)   #: 1-based answer number -> blocks
    rubric: list | None = None
    rule: str | None = None
    name: str | None = None
    idnumber: str | None = None

    def blocks(self) -> list:
        """Every paragraph and table the labelled lines hold (to check their pictures)."""
        held = [*self.feedback.values(), *self.answer_feedback.values(), self.rubric or []]
        return [block for blocks in held for block in blocks]

    def take(self, rich: Rich) -> list | None | bool:
        """Record ``rich`` if it is a labelled line. Returns the list that takes the paragraphs following it
        (feedback, rubric), None for a one-line field, False when ``rich`` is not a labelled line."""
        match = _LINE.match(rich.plain)
        if match is None:
            return False
        rest = rich.slice(match.end()).strip()
        text = rest.text()
        if match.group("weights"):
            self.weights = _parse_weights(text)
        elif match.group("kind"):
            if text.strip(" .").lower() != MULTIPLE:
                raise ItemError(f"dòng '{KIND}' chỉ nhận '{MULTIPLE}' (đang ghi '{text}')")
            self.multiple = True
        elif match.group("letter"):
            return self.feedback.setdefault(match.group("letter"), [rest])
        elif match.group("answer"):
            return self.answer_feedback.setdefault(int(match.group("answer")), [rest])
        elif match.group("rubric"):
            self.rubric = [rest]
            return self.rubric
        elif match.group("rule"):
            self.rule = text.split(" ", 1)[0] if text else None
        elif match.group("name"):
            self.name = text or None
        else:
            self.idnumber = text or None
        return None

    def apply(self, body: dict, images: set[str]) -> None:
        """Put the lines read onto ``body``; ItemError when one names a part the question does not have."""
        kind = body["type"]
        options = body.get("options") or []
        letters = [chr(ord("A") + i) for i in range(len(options))]
        if (self.weights is not None or self.multiple or self.feedback) and kind not in (
                "single_choice", "multiple_choice"):
            raise ItemError(f"dòng '{WEIGHTS}', '{KIND}' hoặc '{FEEDBACK} A' chỉ dùng cho câu có phương án A, B…")
        if self.weights is not None:
            if sorted(self.weights) != letters:
                raise ItemError(f"dòng '{WEIGHTS}' phải ghi đủ các phương án {', '.join(letters)}")
            for letter, option in zip(letters, options):
                option["weight"] = self.weights[letter]
        if self.weights is not None or self.multiple:
            body["type"] = "multiple_choice"  # weights are partial credit: several answers may be chosen
        for letter, blocks in self.feedback.items():
            if letter not in letters:
                raise ItemError(f"có '{FEEDBACK} {letter}' nhưng không có phương án {letter}")
            options[letters.index(letter)]["feedback"] = blocks_html(blocks, True, images)
        answers = body.get("answers") or []
        for number, blocks in self.answer_feedback.items():
            if kind != "short_answer" or not 1 <= number <= len(answers):
                raise ItemError(f"có '{ANSWER_FEEDBACK} {number}' nhưng câu không có đáp án thứ {number}")
            answers[number - 1]["feedback"] = blocks_html(blocks, True, images)
        if self.rubric is not None and blocks_html(self.rubric, True, images):
            if kind == "essay":
                body["rubric"] = blocks_html(self.rubric, True, images)
            else:  # guidance written under a question that is not an essay: kept with its explanation
                guidance = f"<p>{RUBRIC}: {blocks_html(self.rubric, True, images)}</p>"
                body["explanation"] = (body.get("explanation") or "") + guidance
        if self.rule is not None:
            if kind != "short_answer":
                raise ItemError(f"dòng '{RULE}' chỉ dùng cho câu trả lời ngắn")
            body["rule"] = self.rule
        for key, value in (("name", self.name), ("idnumber", self.idnumber)):
            if value:
                body[key] = value


@dataclass
class Lines:
    """A question's blocks after its label, sorted: the paper (stem, options…), the explanation, the answer
    line and the labelled lines."""

    body: list = field(default_factory=list)
    explanation: list = field(default_factory=list)
    answer: Rich | None = None
    no_diacritics: bool = False  #: the answer line said "(không phân biệt dấu)"
    fields: Fields = field(default_factory=Fields)


def _content(block):
    return block if isinstance(block, Table) else block.rich


def read_lines(blocks: list) -> Lines:
    """Sort a question's blocks (see :class:`Lines`). Paragraphs after "Lời giải:", "Hướng dẫn chấm:" or a
    feedback line belong to it until the next labelled line; an "Đáp án:" line may carry its answer on the
    next paragraph, or stand inside the explanation."""
    lines = Lines()
    section: list | None = None
    i = 0
    while i < len(blocks):
        block = blocks[i]
        rich = block.rich if isinstance(block, Para) else None
        taken = lines.fields.take(rich) if rich is not None else False
        if taken is not False:
            section = taken if taken is not None else section
        elif rich is not None and section is not lines.explanation and EXPLANATION.match(rich.plain):
            lines.explanation.append(rich.slice(EXPLANATION.match(rich.plain).end()).strip())
            section = lines.explanation
        elif section is not None:
            section.append(_content(block))
        elif rich is not None and lines.answer is None and ANSWER.match(rich.plain):
            match = ANSWER.match(rich.plain)
            lines.answer, lines.no_diacritics = rich.slice(match.end()).strip(), bool(match.group("nodiacritics"))
            if not lines.answer.plain.strip() and i + 1 < len(blocks) and isinstance(blocks[i + 1], Para):
                i += 1  # "Đáp án:" with the answer on the next line
                lines.answer = blocks[i].rich.strip()
        else:
            lines.body.append(_content(block))
        i += 1
    if lines.answer is None:
        for block in lines.explanation:
            if isinstance(block, Rich) and ANSWER.match(block.plain):
                lines.answer = block.slice(ANSWER.match(block.plain).end()).strip()
    return lines
