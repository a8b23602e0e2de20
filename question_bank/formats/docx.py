"""Word (.docx) question papers in the layout Vietnamese teachers type, in and out.

Import reads "PHẦN I/II/III" parts, questions labelled "Câu N."/"Câu N:"/"Question N." (typed or made by Word
numbering, tags such as "(CLO4)" or "(NB)" around the label) or separated by the exam-mixing tools' "[<br>]"
lines with "[<sg>]" groups sharing a passage (:mod:`docx_labels`, :mod:`docx_document`), passages written for
"các câu từ 2 đến 5", options A–H (2 to 8; one per line, several per line or in a table), true/false
statements a)–d), "Đáp án:" lines (a number may carry its tolerance: "9,81 ± 0,05"), "Lời giải:" explanations
and answer keys, with the correct answers marked by underline, red, highlight or bold, by an "Đáp án:" line or
by a key at the end (see :mod:`docx_layout`). Under a question, the teacher's lines of :mod:`docx_fields`
carry what the paper cannot show: weights ("Trọng số: A 50%, B 50%, C -50%, D 0%"), feedback ("Phản hồi A:"),
an essay's rubric ("Hướng dẫn chấm:"), "Đáp án (không phân biệt dấu):", the answer rule, name and ID number;
the export writes them with the key and reports, per item, anything it leaves out. Word equations and
MathType / Equation 3.0 objects become ``$LaTeX$`` (:mod:`docx_math`, :mod:`mtef`) — an exported equation
gives back the LaTeX it was made from until it is edited (:mod:`docx_omml`); a formula that cannot be
converted keeps its picture as PNG (:mod:`metafile`) and is reported on its question. Pictures are
:class:`ImageBlob` referenced as ``cid:NAME``, tables in stems HTML tables. Export writes the same layout
(:mod:`docx_writer`), reads its own file back to refuse any question whose key that would change, and
:func:`build_paper` (:mod:`docx_paper`) prints an exam version (mã đề) with its answer key.
"""
from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from question_bank.formats.base import (
    MAX_IMPORT_BYTES, Draft, ExportRejected, ExportResult, Format, ImportProblem, ImportRejected, ParseResult,
    read_limited, register,
)
from question_bank.formats.docx_document import split_document
from question_bank.formats.docx_layout import ItemError, interpret
from question_bank.formats.docx_reader import Reader, open_package
from question_bank.formats.docx_paper import build_paper
from question_bank.formats.docx_writer import SUPPORTED_TYPES, export_questions, print_order, unwritable

__all__ = ["DocxFormat", "build_paper", "parse_docx"]


def parse_docx(data: bytes, max_bytes: int = MAX_IMPORT_BYTES) -> ParseResult:
    """Parse .docx bytes into drafts and per-question problems.

    Raises ImportRejected when the whole file is unusable: over ``max_bytes``, not a zip, corrupt,
    password-protected (an OLE container), a zip bomb, or carrying a DTD. Each problem names the
    question and paragraph: ``"Phần I, Câu 7 (đoạn 31): không xác định được đáp án đúng"``.
    """
    package = Reader(open_package(data, max_bytes)).read()
    document = split_document(package.blocks)
    result = ParseResult()
    if not document.questions:
        result.problems.append(ImportProblem(None, None, "Không tìm thấy câu hỏi nào: mỗi câu cần bắt đầu "
                                                         "bằng 'Câu 1.', 'Câu 2:', 'Question 3.' hoặc các câu "
                                                         "cách nhau bởi dòng [<br>]"))
        return result
    for item, question in enumerate(document.questions, 1):
        try:
            found = interpret(question, document.key)
        except ItemError as error:
            result.problems.append(ImportProblem(item, question.index,
                                                 f"{question.label} (đoạn {question.index}): {error}"))
            continue
        # A preview still in WMF/EMF (no converter could read it) is reported once, by the import, when dropped.
        fallbacks = sorted(n for n in found.images & package.formula_pictures.keys() if n.endswith(".png"))
        result.drafts.append(Draft(
            body=found.body,
            meta=found.meta,
            location=f"{question.label}, đoạn {question.index}",
            images=[package.images[name] for name in sorted(found.images)],
            warnings=[f"{question.label} (đoạn {question.index}): một công thức MathType không chuyển được sang "
                      f"LaTeX ({package.formula_pictures[name]}); đã giữ ảnh {name} của công thức, hãy kiểm tra "
                      "lại." for name in fallbacks],
        ))
    return result


KEY_CHANGED = ("Đọc lại từ tệp Word, câu này sẽ có đáp án khác (đề bài có dòng giống 'Câu N.', 'Đáp án:' hay "
               "một phương án) — không xuất để đáp án không bị đổi.")


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _key(body: dict) -> tuple:
    """What reading a question back must not change: its type and its key, by position (ids may differ)."""
    answers = tuple(
        ("text", " ".join(unicodedata.normalize("NFC", str(a.get("text"))).split())) if "text" in a
        else ("value", _number(a.get("value")), _number(a.get("tolerance") or 0)) for a in body.get("answers") or [])
    return (body.get("type"), tuple(bool(o.get("correct")) for o in body.get("options") or []),
            tuple(bool(s.get("correct")) for s in body.get("statements") or []), body.get("answer"), answers)


@register
class DocxFormat(Format):
    """The ``docx`` import/export format (see the module docstring for the layout)."""

    name = "docx"
    extensions = (".docx",)
    supported_types = SUPPORTED_TYPES
    #: With the key, the teacher's lines of :mod:`docx_fields` carry these; a paper without the key carries
    #: only the formatting (see :meth:`export`). Gap-fill questions are not written at all.
    carries = frozenset({"explanation", "name", "idnumber", "options.feedback", "options.weight",
                         "answers.feedback", "rubric", "ignore_diacritics", "rule", "formatting"})

    def __init__(self, max_bytes: int = MAX_IMPORT_BYTES, image_loader=None):
        self.max_bytes = max_bytes
        #: ``loader(src) -> bytes | None`` for images referenced by URL (/media/...) when exporting.
        self.image_loader = image_loader

    def parse(self, stream: BinaryIO) -> ParseResult:
        """Parse a .docx stream (see :func:`parse_docx`)."""
        return parse_docx(read_limited(stream, self.max_bytes), self.max_bytes)

    def export(self, items: list[dict], with_key: bool = True) -> ExportResult:
        """Write ``items`` (``{"body", "meta", "images"?}``) as a paper. Unsupported types, short answers whose
        "Đáp án:" line would read back as another key and (with the key) any question whose type or key the
        written file reads back differently are skipped, naming the item; every part left out is a warning
        naming the item (without the key, all of the teacher's lines are left out)."""
        skipped = self.unsupported(items)
        skipped += [ImportProblem(i, None, reason) for i, item in enumerate(items, 1)
                    if i not in {p.item for p in skipped} and (reason := unwritable(item["body"]))]
        skipped_numbers = {problem.item for problem in skipped}
        kept = [item for i, item in enumerate(items, 1) if i not in skipped_numbers]
        data, warnings = export_questions(kept, with_key=with_key, loader=self.image_loader)
        numbers = [i for i in range(1, len(items) + 1) if i not in skipped_numbers]
        changed = self._changed_keys(data, list(zip(numbers, kept))) if with_key else {}
        if changed:
            skipped += [ImportProblem(number, None, reason) for number, reason in changed.items()]
            skipped_numbers |= set(changed)
            kept = [item for i, item in enumerate(items, 1) if i not in skipped_numbers]
            data, warnings = export_questions(kept, with_key=with_key, loader=self.image_loader)
        written = self if with_key else _PaperWithoutKey()
        return ExportResult(data, sorted(skipped, key=lambda p: p.item),
                            written.losses(items, skipped_numbers) + warnings)

    def _changed_keys(self, data: bytes, kept: list[tuple[int, dict]]) -> dict[int, str]:
        """Items (by number) whose type or key reading ``data`` back would change, or that would not import,
        with the reason: a stem holding a line the importer reads as structure ("Đáp án: 5", "A. …").

        The paper is read once; when its questions do not line up with the items (a stem line read as a new
        "Câu N."), each item is written and read alone.
        """
        if not kept:
            return {}
        try:
            parsed = parse_docx(data, max(self.max_bytes, len(data)))
        except ImportRejected:  # too large to read back here: the export itself is still right
            return {}
        order = [kept[i] for i in print_order([item for _, item in kept])]
        if len(parsed.drafts) + len(parsed.problems) != len(order):
            if len(kept) == 1:
                return {kept[0][0]: KEY_CHANGED}
            changed = {}
            for number, item in kept:
                alone = export_questions([item], loader=self.image_loader)[0]
                changed.update(self._changed_keys(alone, [(number, item)]))
            return changed
        problems = {problem.item: problem.message for problem in parsed.problems}
        drafts = iter(parsed.drafts)
        changed = {}
        for position, (number, item) in enumerate(order, 1):
            if position in problems:
                changed[number] = f"Đọc lại từ tệp Word, câu này sẽ không nhập được: {problems[position]}"
            elif _key(next(drafts).body) != _key(item["body"]):
                changed[number] = KEY_CHANGED
        return changed

    def dump(self, items: list[dict], with_key: bool = True) -> bytes:
        """The .docx bytes of ``items``; ``with_key`` marks answers and appends the key table."""
        result = self.export(items, with_key=with_key)
        if result.skipped:
            raise ExportRejected(result.skipped)
        return result.data


class _PaperWithoutKey(DocxFormat):
    """What a paper printed without the key carries: the questions' text, none of the teacher's lines."""

    carries = frozenset({"formatting"})
