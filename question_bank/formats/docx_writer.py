"""Writing questions as a Vietnamese exam paper in .docx: the export format and printed versions (mã đề).

The layout is the one the importer reads back: "PHẦN I/II/III" headings, "Câu N." with the stem, options
``A.``–``D.`` and statements ``a)``–``d)`` one per paragraph, "Đáp án:" lines for short answers, the
teacher's lines of :mod:`docx_fields` (weights, feedback, rubric, rule, name), "Lời giải:" for explanations,
and an answer-key table per part at the end. With the key, correct options and true statements are underlined
and red, exactly as teachers mark them. Question HTML and its LaTeX (native Word equations) are written by
:mod:`docx_html`; a formula that cannot be converted stays as text and is reported.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal
from html import escape as html_escape
from html import unescape as html_unescape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

from question_bank.formats.base import ImportProblem, format_number
from question_bank.formats.docx_fields import (
    ANSWER_FEEDBACK, FEEDBACK, IDNUMBER, KIND, MULTIPLE, NAME, NO_DIACRITICS, RUBRIC, RULE, WEIGHTS, read_answer_line,
    rule_line, weights_line,
)
from question_bank.formats.docx_html import MATH, RED_COLOR, ImageSource, add_html, add_runs, html_blocks

KEY_COLUMNS = 10  #: answers per row pair in the key tables

#: Parts of the paper in print order: (kind, heading). Kinds group the question types.
PARTS = (
    ("choice", "Câu trắc nghiệm nhiều phương án lựa chọn."),
    ("tf", "Câu trắc nghiệm đúng sai."),
    ("short", "Câu trắc nghiệm trả lời ngắn."),
    ("essay", "Tự luận."),
)
PART_OF_TYPE = {"single_choice": "choice", "multiple_choice": "choice", "true_false_group": "tf",
                "short_answer": "short", "true_false": "short", "essay": "essay"}
SUPPORTED_TYPES = frozenset(PART_OF_TYPE)
_ROMAN = ("I", "II", "III", "IV")


def _answer_texts(body: dict, exact: bool = False) -> list[str]:
    """Accepted answers as printed: "Ngô Tất Tố", "-1,5 ± 0,01". ``exact`` (the "Đáp án:" line) writes a number
    with no accepted error as "2 ± 0", so it is read back as a number, not as the text "2"."""
    texts = []
    for answer in body.get("answers") or []:
        if "text" in answer:
            texts.append(str(answer["text"]))
        elif "value" in answer:
            text = format_number(answer["value"]).replace(".", ",")
            # "1,5 ± 0,01": how Vietnamese keys write an accepted error; the importer reads it back.
            tolerance = format_number(answer.get("tolerance") or 0)
            if exact or tolerance != "0":
                text += " ± " + tolerance.replace(".", ",")
            texts.append(text)
    return texts


def _accepted(answers: list[dict]) -> list[tuple]:
    return [("text", a["text"]) if "text" in a else
            ("value", Decimal(str(a["value"])), Decimal(str(a.get("tolerance") or 0))) for a in answers]


def unwritable(body: dict) -> str | None:
    """Why the "Đáp án:" line of a short answer would read back as another key (an answer holding ";" or
    "hoặc", ending in a full stop, or reading as "Đúng"), or None when it reads back as written."""
    if body.get("type") != "short_answer":
        return None
    read = read_answer_line("; ".join(_answer_texts(body, exact=True)))
    if isinstance(read, bool) or _accepted(read[1]) != _accepted(body.get("answers") or []):
        return ("Định dạng docx không ghi được đáp án của câu trả lời ngắn này trên dòng 'Đáp án:' mà không đổi "
                "đáp án (đáp án chứa ';' hoặc 'hoặc', kết thúc bằng dấu chấm, hay là chữ 'Đúng'/'Sai').")
    return None


def key_value(body: dict) -> str:
    """The answer of one question as printed in the key table ("B", "A, C", "ĐSĐS", "-1,5")."""
    kind = body.get("type")
    if kind in ("single_choice", "multiple_choice"):
        return ", ".join(chr(ord("A") + i) for i, o in enumerate(body.get("options") or []) if o.get("correct"))
    if kind == "true_false_group":
        return "".join("Đ" if s.get("correct") else "S" for s in body.get("statements") or [])
    if kind == "true_false":
        return "Đúng" if body.get("answer") else "Sai"
    if kind == "short_answer":
        return "; ".join(_answer_texts(body))
    return ""


_LEVEL_TAGS = {"nhan_biet": "NB", "thong_hieu": "TH", "van_dung": "VD", "van_dung_cao": "VDC"}


#: Width between the margins of the A4 page :func:`new_document` sets up.
CONTENT_WIDTH_CM = 17
#: Widest option (visible characters, a formula counted at half its LaTeX length) that fits four, or two,
#: to a line at 12 pt: the layouts of printed Vietnamese papers (A–D on one line, two lines of two, one each).
_FOUR_A_LINE, _TWO_A_LINE = 16, 36
_TAG = re.compile(r"<[^>]+>")


def option_columns(texts: list[str]) -> int:
    """How many options a printed line holds (4, 2 or 1), as a Vietnamese paper lays them out: short options
    side by side at tab stops, long ones, pictures, tables and several paragraphs on lines of their own."""
    widest = 0
    for text in texts:
        blocks = html_blocks(text)
        if len(blocks) > 1 or any(b.table is not None or any(r.image is not None or "\n" in r.text for r in b.runs)
                                  for b in blocks):
            return 1
        plain = _TAG.sub("", MATH.sub(lambda m: "x" * (len(m.group(0)) // 2), text))
        widest = max(widest, len(html_unescape(plain)))
    if widest <= _FOUR_A_LINE:
        return 4
    return 2 if widest <= _TWO_A_LINE else 1


def write_question(document, number: int, body: dict, meta: dict, images: ImageSource, with_key: bool) -> None:
    """One "Câu N." with its options/statements/answer, marked as teachers do when ``with_key``."""
    head = document.add_paragraph()
    label = f"Câu {number}"
    if meta.get("points") is not None:
        label += f" ({format_number(meta['points']).replace('.', ',')} điểm)"
    head.add_run(label + ".").bold = True
    if meta.get("level") in _LEVEL_TAGS:
        head.add_run(f" [{_LEVEL_TAGS[meta['level']]}]")
    add_html(document, body.get("stem") or "", images, first=head)
    kind = body.get("type")
    if kind in ("single_choice", "multiple_choice"):
        options = body.get("options") or []
        columns = option_columns([option.get("text") or "" for option in options])
        paragraph = None
        for i, option in enumerate(options):
            correct = with_key and bool(option.get("correct"))
            if i % columns == 0:
                paragraph = document.add_paragraph()
                for stop in range(1, columns):
                    paragraph.paragraph_format.tab_stops.add_tab_stop(Cm(CONTENT_WIDTH_CM * stop / columns))
            else:
                paragraph.add_run("\t")
            letter = paragraph.add_run(f"{chr(ord('A') + i)}.")
            if correct:
                letter.font.underline, letter.font.color.rgb = True, RED_COLOR
            if columns == 1:
                add_html(document, option.get("text") or "", images, first=paragraph, mark=correct)
            else:
                paragraph.add_run(" ")
                add_runs(paragraph, html_blocks(option.get("text") or "")[0].runs, images, correct)
    elif kind == "true_false_group":
        for i, statement in enumerate(body.get("statements") or []):
            paragraph = document.add_paragraph()
            correct = with_key and bool(statement.get("correct"))
            letter = paragraph.add_run(f"{chr(ord('a') + i)})")
            if correct:
                letter.font.underline, letter.font.color.rgb = True, RED_COLOR
            add_html(document, statement.get("text") or "", images, first=paragraph, mark=correct)
    elif kind in ("short_answer", "true_false") and with_key:
        value = "; ".join(_answer_texts(body, exact=True)) if kind == "short_answer" else key_value(body)
        label = f"Đáp án ({NO_DIACRITICS})" if body.get("ignore_diacritics") else "Đáp án"
        document.add_paragraph().add_run(f"{label}: {value}")
    if with_key:
        write_fields(document, body, images)


def _labelled(document, label: str, markup: str, images: ImageSource) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}:").bold = True
    add_html(document, markup, images, first=paragraph)


def write_fields(document, body: dict, images: ImageSource) -> None:
    """The teacher's lines under a question (:mod:`docx_fields`): rule, weights, feedback, rubric, explanation,
    name and ID number, in the order a teacher reads them."""
    if body.get("rule"):
        _labelled(document, RULE, html_escape(rule_line(body["rule"]), quote=False), images)
    options = body.get("options") or []
    if any("weight" in option for option in options):
        _labelled(document, WEIGHTS, weights_line(options), images)
    elif body.get("type") == "multiple_choice" and sum(1 for o in options if o.get("correct")) == 1:
        _labelled(document, KIND, MULTIPLE, images)
    for i, option in enumerate(options):
        if option.get("feedback"):
            _labelled(document, f"{FEEDBACK} {chr(ord('A') + i)}", option["feedback"], images)
    for number, answer in enumerate(body.get("answers") or [], 1):
        if answer.get("feedback"):
            _labelled(document, f"{ANSWER_FEEDBACK} {number}", answer["feedback"], images)
    if body.get("rubric"):
        _labelled(document, RUBRIC, body["rubric"], images)
    if body.get("explanation"):
        _labelled(document, "Lời giải", body["explanation"], images)
    for label, key in ((NAME, "name"), (IDNUMBER, "idnumber")):
        if body.get(key):
            _labelled(document, label, html_escape(str(body[key]), quote=False), images)


def add_key_tables(document, parts: list[tuple[str, list[tuple[int, dict]]]]) -> None:
    """Per part, a table of rows "Câu | 1 | 2 …" over "Đáp án | A | C …" (essays have no key)."""
    for label, numbered in parts:
        rows = [(n, key_value(body)) for n, body in numbered if key_value(body)]
        if not rows:
            continue
        document.add_paragraph().add_run(f"PHẦN {label}").bold = True
        chunks = [rows[i:i + KEY_COLUMNS] for i in range(0, len(rows), KEY_COLUMNS)]
        table = document.add_table(rows=2 * len(chunks), cols=KEY_COLUMNS + 1)
        table.style = "Table Grid"
        for c, chunk in enumerate(chunks):
            table.cell(2 * c, 0).text = "Câu"
            table.cell(2 * c + 1, 0).text = "Đáp án"
            for j, (number, value) in enumerate(chunk, 1):
                table.cell(2 * c, j).text = str(number)
                table.cell(2 * c + 1, j).text = value


def new_document():
    """A blank A4 document in Times New Roman 12, the font of Vietnamese papers."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    style.paragraph_format.space_after = Pt(2)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(1.5)
    return document


def group_parts(entries: list[tuple[int, dict, dict, list]]) -> list[tuple[str, str, list]]:
    """Consecutive entries grouped by part kind, each group labelled I, II, … in order of appearance."""
    groups: list[tuple[str, str, list]] = []
    for entry in entries:
        kind = PART_OF_TYPE[entry[1]["type"]]
        if not groups or groups[-1][1] != kind:
            groups.append((_ROMAN[min(len(groups), len(_ROMAN) - 1)], kind, []))
        groups[-1][2].append(entry)
    return groups


def write_parts(document, entries, with_key: bool, loader=None) -> list[str]:
    """Write the PHẦN headings and questions; returns warnings (images that could not be embedded...)."""
    warnings: list[str] = []
    headings = dict(PARTS)
    for label, kind, group in group_parts(entries):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"PHẦN {label}. {headings[kind]}").bold = True
        for number, body, meta, images in group:
            source = ImageSource(images, loader)
            write_question(document, number, body, meta, source, with_key)
            warnings.extend(f"Câu {number}: không nhúng được hình ảnh {src[:80]}" for src in source.missing)
            warnings.extend(f"Câu {number}: công thức {latex[:80]} không chuyển được thành phương trình Word, "
                            "giữ nguyên dạng LaTeX" for latex in source.unconverted)
    return warnings


def print_order(items: list[dict]) -> list[int]:
    """Indexes of ``items`` in the order the paper prints them: part I's questions first, then II, III, IV."""
    kinds = [kind for kind, _ in PARTS]
    return sorted(range(len(items)), key=lambda i: kinds.index(PART_OF_TYPE[items[i]["body"]["type"]]))


def export_questions(items: list[dict], with_key: bool = True, loader=None) -> tuple[bytes, list[ImportProblem]]:
    """Items ``{"body", "meta", "images"?}`` in the paper layout, numbered from 1 within each part."""
    entries = []
    counters: dict[str, int] = {}
    for index in print_order(items):
        item = items[index]
        kind = PART_OF_TYPE[item["body"]["type"]]
        counters[kind] = counters.get(kind, 0) + 1
        entries.append((counters[kind], item["body"], item.get("meta") or {}, item.get("images") or []))
    document = new_document()
    warnings = write_parts(document, entries, with_key, loader)
    if with_key and entries:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        heading = document.add_paragraph()
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.add_run("BẢNG ĐÁP ÁN").bold = True
        add_key_tables(document, [(label, [(n, body) for n, body, _, _ in group])
                                  for label, _, group in group_parts(entries)])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), [ImportProblem(None, None, w) for w in warnings]
