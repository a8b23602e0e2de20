"""A printable exam version (mã đề) as a Word paper: the header of a Vietnamese paper, the questions
without answer marks (formulas as native Word equations, options laid out four, two or one to a line) and
the key of that code on a last page. The question layout is :mod:`docx_writer`'s.
"""
from __future__ import annotations

import io

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK

from question_bank.formats.docx_writer import (
    SUPPORTED_TYPES, add_key_tables, group_parts, new_document, write_parts,
)


def _header_table(document, header: dict) -> None:
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].add_run(str(header["school"]).upper()).bold = True
    left.add_paragraph().add_run("ĐỀ CHÍNH THỨC").bold = True
    right.paragraphs[0].add_run(str(header["exam_title"]).upper()).bold = True
    right.add_paragraph().add_run(f"Môn: {header['subject']}").bold = True
    right.add_paragraph(f"Thời gian làm bài: {header['duration_minutes']} phút, không kể thời gian phát đề")
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


PAPER_HEADER_FIELDS = ("school", "exam_title", "subject", "duration_minutes", "code")


def build_paper(header: dict, questions: list[dict], with_answer_sheet: bool = True, loader=None) -> bytes:
    """A printable exam version (mã đề) as .docx bytes.

    ``header`` holds ``school, exam_title, subject, duration_minutes, code``; ``questions`` are
    ``{"number", "body", "meta"?, "images"?}`` in print order (numbers as the caller assigned them). The
    paper carries no answer marks; with ``with_answer_sheet`` a last page holds the key of this code.
    ``loader(src) -> bytes | None`` may supply images referenced by URL. Raises ValueError (Vietnamese
    message) for a missing header field or an unsupported question type.
    """
    missing = [name for name in PAPER_HEADER_FIELDS if header.get(name) in (None, "")]
    if missing:
        raise ValueError(f"Thiếu thông tin đầu đề: {', '.join(missing)}.")
    unsupported = [str(q.get("number")) for q in questions if (q.get("body") or {}).get("type") not in SUPPORTED_TYPES]
    if unsupported:
        raise ValueError(f"Không in được loại câu hỏi của câu {', '.join(unsupported)} trong đề Word.")
    document = new_document()
    _header_table(document, header)
    line = document.add_paragraph()
    line.add_run("Họ, tên thí sinh: ......................................................  "
                 "Số báo danh: ..................")
    code = document.add_paragraph()
    code.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    code.add_run(f"Mã đề {header['code']}").bold = True
    entries = [(int(q["number"]), q["body"], q.get("meta") or {}, q.get("images") or []) for q in questions]
    write_parts(document, entries, with_key=False, loader=loader)
    end = document.add_paragraph()
    end.alignment = WD_ALIGN_PARAGRAPH.CENTER
    end.add_run("------ HẾT ------").bold = True
    if with_answer_sheet:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        title = document.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.add_run(f"ĐÁP ÁN – MÃ ĐỀ {header['code']}").bold = True
        add_key_tables(document, [(label, [(n, body) for n, body, _, _ in group])
                                  for label, _, group in group_parts(entries)])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
