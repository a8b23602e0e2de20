"""Moodle XML (``<quiz><question type="...">``), the richest exchange format Moodle offers.

Read: multichoice (single/multiple), truefalse, shortanswer, numerical, matching, essay, multianswer
(Cloze ``{1:SHORTANSWER:=...}`` syntax), ordering (the qtype_ordering plugin) and category; description
questions are skipped with a note.  Images come from ``<file encoding="base64">`` and ``@@PLUGINFILE@@/x``
references become ``cid:x``.  The file is streamed with defusedxml's iterparse, so DTDs and entities are
refused (ImportRejected) and a 5,000-question bank never exists as one tree.
"""
from __future__ import annotations

import base64
import binascii
import html
import io
import re
from decimal import Decimal
from typing import BinaryIO
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from question_bank.formats.base import (
    Draft, ExportResult, Format, ImageBlob, ImportProblem, ImportRejected, ParseResult, apply_tags,
    category_to_topic, choice_weights, cloze_display_text, format_number, guess_content_type, html_to_text, json_number,
    letter_id, meta_tags, number_id, parse_decimal, read_limited, register, text_to_html, weights_to_keep,
    xml_error_position,
)

_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>)]+)")
_CID = re.compile(r"cid:([^\"'<>]+)")
_CLOZE = re.compile(r"\{(\d*):([A-Za-z_]+):((?:\\.|[^\\}])*)\}", re.S)
_CLOZE_TEXT_TYPES = {"SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC", "NUMERICAL", "NM"}
_CLOZE_CHOICE_TYPES = {"MULTICHOICE", "MC", "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH", "MULTICHOICE_S",
                       "MCS", "MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS"}
_GAP_MARKER = re.compile(r"\{\{([^{}]+)\}\}")


class _Skip(Exception):
    """This question cannot be imported; the message says why."""


def _fraction(answer: ET.Element) -> Decimal:
    return parse_decimal(answer.get("fraction") or "0") or Decimal(0)


def _child_text(element: ET.Element, path: str, default: str = "") -> str:
    found = element.find(path)
    return found.text or default if found is not None else default


def _cloze_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _cloze_escape(text: str) -> str:
    # Moodle's Cloze syntax knows exactly these escapes: \} \# \~ \/ \" \\.
    return re.sub(r'([\\}#~/"])', r"\\\1", text)


@register
class MoodleXmlFormat(Format):
    name = "moodle_xml"
    label = "Moodle XML"
    extensions = (".xml",)
    supported_types = frozenset({"single_choice", "multiple_choice", "true_false", "short_answer", "matching",
                                 "ordering", "cloze", "essay"})
    #: Optional parts Moodle XML writes (base.OPTIONAL_PARTS); the rest is reported by ``losses`` on export.
    carries = frozenset({"explanation", "name", "idnumber", "options.feedback", "options.weight",
                         "answers.feedback", "rubric", "formatting"})

    # --- parsing ------------------------------------------------------------------------------------

    def parse(self, stream: BinaryIO) -> ParseResult:
        """Stream a Moodle XML file; each question is converted and then freed from memory."""
        data = read_limited(stream)
        result = ParseResult()
        state = {"topic": None, "item": 0}
        depth = 0
        root = None
        try:
            for event, element in SafeET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
                if event == "start":
                    depth += 1
                    if root is None:
                        root = element
                        if element.tag != "quiz":
                            raise ImportRejected("Không phải tệp Moodle XML: thẻ gốc phải là <quiz>.")
                    continue
                depth -= 1
                if depth == 1 and element.tag == "question":
                    self._question(element, state, result)
                    # Free every finished question so memory stays flat on large banks.
                    root.clear()
        except DefusedXmlException:
            raise ImportRejected("Tệp XML chứa khai báo DTD hoặc thực thể (entity) — bị từ chối vì lý do an toàn.") \
                from None
        except SafeET.ParseError as exc:
            raise ImportRejected(f"Tệp XML bị hỏng ({xml_error_position(exc)}).") from None
        if root is None:
            raise ImportRejected("Tệp XML rỗng.")
        return result

    def _question(self, element: ET.Element, state: dict, result: ParseResult) -> None:
        kind = element.get("type", "")
        if kind == "category":
            # Kept in the drafts' meta: the import files the questions under the matching curriculum topic.
            state["topic"] = category_to_topic(_child_text(element, "category/text")) or None
            return
        state["item"] += 1
        item = state["item"]
        location = f"Câu {item}"
        if kind == "description":
            result.problems.append(ImportProblem(item, None, "Đoạn mô tả (description) không phải câu hỏi — đã bỏ qua."))
            return
        notes: list[str] = []
        images = self._images(element, notes)
        reader = getattr(self, f"_read_{kind}", None)
        try:
            if reader is None:
                raise _Skip(f"Loại câu hỏi Moodle '{kind}' không được hỗ trợ — đã bỏ qua.")
            body = reader(element, notes)
        except _Skip as exc:
            result.problems.append(ImportProblem(item, None, str(exc)))
            return
        explanation = self._rich(element.find("generalfeedback"))
        if explanation:
            body["explanation"] = explanation
        body = self._rewrite_images(body, images)
        meta: dict = {}
        name = _child_text(element, "name/text").strip()
        if name:
            meta["name"] = name
            # A name that is only the start of the text (what exports without a name write) adds nothing.
            if name != html_to_text(body.get("stem") or body.get("text") or "")[:80]:
                body["name"] = name[:255]
        idnumber = _child_text(element, "idnumber").strip()
        if idnumber:
            body["idnumber"] = idnumber[:100]
        if state["topic"]:
            meta["topic"] = state["topic"]
        points = parse_decimal(_child_text(element, "defaultgrade"))
        if points is not None:
            meta["points"] = points.normalize()
        apply_tags(meta, (tag.text or "" for tag in element.findall("tags/tag/text")))
        used = [image for image in images.values() if f"cid:{image.name}" in repr(body)]
        result.drafts.append(Draft(body=body, meta=meta, location=location, images=used))
        # The question is imported: what was changed or left out in it is a warning, not a problem.
        result.warnings.extend(ImportProblem(item, None, f"{location}: {note}") for note in notes)

    @staticmethod
    def _images(element: ET.Element, notes: list[str]) -> dict[str, ImageBlob]:
        images = {}
        for file in element.iter("file"):
            name = (file.get("path") or "/").strip("/") + "/" + (file.get("name") or "")
            name = name.strip("/")
            try:
                data = base64.b64decode(file.text or "", validate=False)
            except (binascii.Error, ValueError):
                notes.append(f"Ảnh '{name}' bị hỏng (base64 không hợp lệ) — đã bỏ qua.")
                continue
            images[name] = ImageBlob(name=name, content_type=guess_content_type(name), data=data)
        return images

    @staticmethod
    def _rewrite_images(body: dict, images: dict[str, ImageBlob]):
        def fix(value):
            if isinstance(value, str):
                return _PLUGINFILE.sub(lambda m: "cid:" + unquote(m.group(1)), value)
            if isinstance(value, list):
                return [fix(v) for v in value]
            if isinstance(value, dict):
                return {k: fix(v) for k, v in value.items()}
            return value
        return fix(body)

    @staticmethod
    def _rich(field: ET.Element | None) -> str:
        """A Moodle text field as HTML: html and Moodle auto-format kept, plain text/markdown escaped."""
        if field is None:
            return ""
        text = _child_text(field, "text").strip()
        if field.get("format") in ("plain_text", "markdown"):
            return text_to_html(text)
        return text

    def _stem(self, element: ET.Element) -> str:
        stem = self._rich(element.find("questiontext"))
        if not stem:
            raise _Skip("Câu hỏi không có nội dung (đề bài) — đã bỏ qua.")
        return stem

    def _read_multichoice(self, element: ET.Element, notes: list[str]) -> dict:
        answers = element.findall("answer")
        if len(answers) < 2:
            raise _Skip("Câu trắc nghiệm cần ít nhất 2 phương án.")
        fractions = [_fraction(a) for a in answers]
        single = _child_text(element, "single", "true").strip().lower() in ("true", "1")
        if single:
            best = max(fractions)
            correct = [f == best and f > 0 for f in fractions]
            if sum(correct) != 1:
                raise _Skip("Câu một đáp án đúng phải có đúng một phương án được điểm tối đa.")
            if any(0 < f < best for f in fractions):
                notes.append("Phương án được điểm một phần không được hỗ trợ; chỉ giữ đáp án đúng nhất.")
        else:
            correct = [f > 0 for f in fractions]
            if not any(correct):
                raise _Skip("Câu nhiều đáp án không có phương án nào được điểm.")
            total = sum((f for f in fractions if f > 0), Decimal(0))
            if abs(total - 100) > Decimal("0.01"):
                raise _Skip(f"Tổng điểm các phương án đúng là {format_number(total)}%, phải là 100%.")
        kept = None if single else weights_to_keep(correct, fractions)
        options = []
        for i, (answer, ok) in enumerate(zip(answers, correct)):
            option = {"id": letter_id(i), "text": self._rich(answer), "correct": ok}
            if kept is not None:
                option["weight"] = kept[i]
            options.append(self._with_feedback(option, answer))
        return {"type": "single_choice" if single else "multiple_choice", "stem": self._stem(element),
                "options": options}

    def _with_feedback(self, entry: dict, answer: ET.Element) -> dict:
        feedback = self._rich(answer.find("feedback"))
        if feedback:
            entry["feedback"] = feedback
        return entry

    def _read_truefalse(self, element: ET.Element, notes: list[str]) -> dict:
        for answer in element.findall("answer"):
            if _fraction(answer) >= 100:
                word = html_to_text(_child_text(answer, "text")).strip().lower()
                if word in ("true", "đúng", "t"):
                    return {"type": "true_false", "stem": self._stem(element), "answer": True}
                if word in ("false", "sai", "f"):
                    return {"type": "true_false", "stem": self._stem(element), "answer": False}
        raise _Skip("Câu đúng/sai không có đáp án 'true' hoặc 'false' được 100%.")

    def _read_shortanswer(self, element: ET.Element, notes: list[str]) -> dict:
        answers = []
        for answer in element.findall("answer"):
            text = html.unescape(_child_text(answer, "text")).strip()
            if _fraction(answer) >= 100 and text:
                answers.append(self._with_feedback({"text": text}, answer))
            elif text:
                notes.append(f"Đáp án được điểm một phần '{text}' không được hỗ trợ — đã bỏ qua.")
        if not answers:
            raise _Skip("Câu trả lời ngắn không có đáp án đúng (100%).")
        return {"type": "short_answer", "stem": self._stem(element), "answers": answers}

    def _read_numerical(self, element: ET.Element, notes: list[str]) -> dict:
        answers = []
        for answer in element.findall("answer"):
            raw = _child_text(answer, "text").strip()
            if _fraction(answer) < 100:
                notes.append(f"Đáp án số được điểm một phần '{raw}' không được hỗ trợ — đã bỏ qua.")
                continue
            value, tolerance = parse_decimal(raw), parse_decimal(_child_text(answer, "tolerance", "0") or "0")
            if value is None or tolerance is None:
                notes.append(f"Đáp án số '{raw}' không phải là số — đã bỏ qua.")
                continue
            answers.append(self._with_feedback({"value": json_number(value), "tolerance": json_number(abs(tolerance))},
                                               answer))
        if not answers:
            raise _Skip("Câu trả lời số không có đáp án đúng (100%).")
        return {"type": "short_answer", "stem": self._stem(element), "answers": answers}

    def _read_matching(self, element: ET.Element, notes: list[str]) -> dict:
        pairs = []
        for sub in element.findall("subquestion"):
            left = self._rich(sub)
            right = html.unescape(_child_text(sub, "answer/text")).strip()
            if not left:
                notes.append("Phương án nhiễu của câu ghép đôi không được hỗ trợ — đã bỏ qua.")
                continue
            pairs.append({"id": number_id(len(pairs)), "left": left, "right": text_to_html(right)})
        if len(pairs) < 2:
            raise _Skip("Câu ghép đôi cần ít nhất 2 cặp.")
        return {"type": "matching", "stem": self._stem(element), "pairs": pairs}

    def _read_ordering(self, element: ET.Element, notes: list[str]) -> dict:
        # qtype_ordering stores the correct position of each answer in its "fraction" attribute.
        answers = sorted(enumerate(element.findall("answer")), key=lambda pair: (_fraction(pair[1]), pair[0]))
        items = [{"id": number_id(i), "text": self._rich(a)} for i, (_, a) in enumerate(answers)]
        if len(items) < 2:
            raise _Skip("Câu sắp xếp cần ít nhất 2 mục.")
        return {"type": "ordering", "stem": self._stem(element), "items": items}

    def _read_essay(self, element: ET.Element, notes: list[str]) -> dict:
        body = {"type": "essay", "stem": self._stem(element)}
        rubric = self._rich(element.find("graderinfo"))
        if rubric:
            body["rubric"] = rubric
        return body

    def _read_multianswer(self, element: ET.Element, notes: list[str]) -> dict:
        source = self._rich(element.find("questiontext"))
        gaps: list[dict] = []

        def gap(match: re.Match) -> str:
            kind = match.group(2).upper()
            answers, lossy = [], False
            for piece in re.split(r"(?<!\\)~", match.group(3)):
                piece = piece.strip()
                fraction = Decimal(0)
                if piece.startswith("="):
                    fraction, piece = Decimal(100), piece[1:]
                else:
                    weight = re.match(r"^%(-?\d+(?:\.\d+)?)%", piece)
                    if weight:
                        fraction, piece = Decimal(weight.group(1)), piece[weight.end():]
                text = _cloze_unescape(re.split(r"(?<!\\)#", piece, maxsplit=1)[0]).strip()
                if kind in ("NUMERICAL", "NM"):
                    value, _, tolerance = text.partition(":")
                    lossy = lossy or (parse_decimal(tolerance or "0") or 0) != 0
                    text = value.strip()
                if fraction >= 100 and text:
                    answers.append(html.unescape(text))
            if kind in _CLOZE_CHOICE_TYPES:
                notes.append(f"Chỗ trống {len(gaps) + 1} là danh sách chọn; chỉ giữ đáp án đúng, "
                             "học sinh sẽ gõ đáp án.")
            elif kind not in _CLOZE_TEXT_TYPES:
                raise _Skip(f"Chỗ trống kiểu '{kind}' (nhiều lựa chọn) không được hỗ trợ — đã bỏ qua câu hỏi.")
            if lossy:
                notes.append(f"Sai số cho phép của chỗ trống {len(gaps) + 1} không được hỗ trợ — đã bỏ qua sai số.")
            if not answers:
                raise _Skip(f"Chỗ trống {len(gaps) + 1} không có đáp án đúng (100%).")
            gaps.append({"id": number_id(len(gaps)), "answers": answers})
            return "{{%s}}" % gaps[-1]["id"]

        text = _CLOZE.sub(gap, source)
        if not gaps:
            raise _Skip("Câu điền khuyết (Cloze) không có chỗ trống nào.")
        return {"type": "cloze", "stem": "", "text": text, "gaps": gaps}

    # --- writing ------------------------------------------------------------------------------------

    def export(self, items: list[dict]) -> ExportResult:
        """Write a ``<quiz>`` with a category before each change of topic; true/false groups and mixed
        text/number short answers are skipped and reported."""
        skipped = self.unsupported(items)
        bad = {p.item for p in skipped}
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n']
        topic = None
        for number, item in enumerate(items, 1):
            if number in bad:
                continue
            try:
                question = self._write(item)
            except ValueError as exc:
                skipped.append(ImportProblem(number, None, str(exc)))
                continue
            meta = item.get("meta") or {}
            if meta.get("topic") and meta["topic"] != topic:
                topic = meta["topic"]
                category = ET.Element("question", type="category")
                ET.SubElement(ET.SubElement(category, "category"), "text").text = f"$course$/top/{topic}"
                parts.append(ET.tostring(category, encoding="unicode") + "\n")
            parts.append(ET.tostring(question, encoding="unicode") + "\n")
        parts.append("</quiz>\n")
        return ExportResult("".join(parts).encode("utf-8"), sorted(skipped, key=lambda p: p.item),
                            self.losses(items, {p.item for p in skipped}))

    def _write(self, item: dict) -> ET.Element:
        body, meta = item["body"], item.get("meta") or {}
        images = {image.name: image for image in item.get("images") or []}
        kind = body["type"]
        moodle_type = {"single_choice": "multichoice", "multiple_choice": "multichoice", "true_false": "truefalse",
                       "matching": "matching", "ordering": "ordering", "cloze": "multianswer",
                       "essay": "essay"}.get(kind)
        if kind == "short_answer":
            numeric = ["value" in a for a in body["answers"]]
            if any(numeric) and not all(numeric):
                raise ValueError("Moodle XML không ghi được câu trả lời ngắn vừa có đáp án chữ vừa có đáp án số.")
            moodle_type = "numerical" if all(numeric) else "shortanswer"
        question = ET.Element("question", type=moodle_type)
        # Without a name, the start of the text as the importer sees it (a cloze's stem is part of its text).
        shown = cloze_display_text(body) if kind == "cloze" else body.get("stem") or ""
        name = body.get("name") or meta.get("name") or html_to_text(shown)[:80] or "Câu hỏi"
        ET.SubElement(ET.SubElement(question, "name"), "text").text = name
        stem = self._cloze_source(body) if kind == "cloze" else body["stem"]
        self._rich_field(question, "questiontext", stem, images)
        self._rich_field(question, "generalfeedback", body.get("explanation") or "", images)
        ET.SubElement(question, "defaultgrade").text = format_number(meta.get("points") or 1)
        ET.SubElement(question, "penalty").text = "0"
        ET.SubElement(question, "hidden").text = "0"
        getattr(self, f"_write_{kind}")(question, body, images)
        if body.get("idnumber"):
            ET.SubElement(question, "idnumber").text = body["idnumber"]
        tags = meta_tags(meta)
        if tags:
            container = ET.SubElement(question, "tags")
            for tag in tags:
                ET.SubElement(ET.SubElement(container, "tag"), "text").text = tag
        return question

    @staticmethod
    def _rich_field(parent: ET.Element, tag: str, markup: str, images: dict[str, ImageBlob], **attrs) -> ET.Element:
        """Add an HTML text field, turning ``cid:`` references into @@PLUGINFILE@@ with the files attached."""
        field = ET.SubElement(parent, tag, format="html", **attrs)
        used = [name for name in dict.fromkeys(unquote(m) for m in _CID.findall(markup)) if name in images]
        ET.SubElement(field, "text").text = _CID.sub(
            lambda m: "@@PLUGINFILE@@/" + quote(unquote(m.group(1))) if unquote(m.group(1)) in images else m.group(0),
            markup)
        for name in used:
            file = ET.SubElement(field, "file", name=name.rsplit("/", 1)[-1], encoding="base64")
            file.set("path", "/" + name.rsplit("/", 1)[0] + "/" if "/" in name else "/")
            file.text = base64.b64encode(images[name].data).decode("ascii")
        return field

    def _write_choices(self, question: ET.Element, body: dict, images, single: bool) -> None:
        ET.SubElement(question, "single").text = "true" if single else "false"
        ET.SubElement(question, "shuffleanswers").text = "true"
        ET.SubElement(question, "answernumbering").text = "ABCD"
        weights = choice_weights(body["options"])
        for option, weight in zip(body["options"], weights):
            if single:
                fraction = "100" if option.get("correct") else "0"
            else:
                fraction = format_number(weight)
            answer = self._rich_field(question, "answer", option["text"], images, fraction=fraction)
            if option.get("feedback"):
                self._rich_field(answer, "feedback", option["feedback"], images)

    def _write_single_choice(self, question, body, images) -> None:
        self._write_choices(question, body, images, single=True)

    def _write_multiple_choice(self, question, body, images) -> None:
        self._write_choices(question, body, images, single=False)

    @staticmethod
    def _write_true_false(question, body, images) -> None:
        for word, value in (("true", True), ("false", False)):
            answer = ET.SubElement(question, "answer", fraction="100" if body["answer"] is value else "0",
                                   format="moodle_auto_format")
            ET.SubElement(answer, "text").text = word

    @staticmethod
    def _write_short_answer(question, body, images) -> None:
        if question.get("type") == "shortanswer":
            ET.SubElement(question, "usecase").text = "0"
        for entry in body["answers"]:
            answer = ET.SubElement(question, "answer", fraction="100", format="moodle_auto_format")
            if "value" in entry:
                ET.SubElement(answer, "text").text = format_number(entry["value"])
                ET.SubElement(answer, "tolerance").text = format_number(entry.get("tolerance") or 0)
            else:
                ET.SubElement(answer, "text").text = entry["text"]
            if entry.get("feedback"):
                MoodleXmlFormat._rich_field(answer, "feedback", entry["feedback"], images)

    def _write_matching(self, question, body, images) -> None:
        ET.SubElement(question, "shuffleanswers").text = "true"
        for pair in body["pairs"]:
            sub = self._rich_field(question, "subquestion", pair["left"], images)
            # Moodle shows the right-hand side in a drop-down, which takes plain text only.
            ET.SubElement(ET.SubElement(sub, "answer"), "text").text = html_to_text(pair["right"])

    def _write_ordering(self, question, body, images) -> None:
        for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", "0"),
                           ("gradingtype", "ABSOLUTE_POSITION"), ("showgrading", "SHOW"),
                           ("numberingstyle", "none")):
            ET.SubElement(question, tag).text = value
        for position, entry in enumerate(body["items"], 1):
            self._rich_field(question, "answer", entry["text"], images, fraction=str(position))

    def _write_essay(self, question, body, images) -> None:
        for tag, value in (("responseformat", "editor"), ("responserequired", "1"), ("responsefieldlines", "15"),
                           ("attachments", "0"), ("attachmentsrequired", "0")):
            ET.SubElement(question, tag).text = value
        self._rich_field(question, "graderinfo", body.get("rubric") or "", images)
        self._rich_field(question, "responsetemplate", "", images)

    @staticmethod
    def _write_cloze(question, body, images) -> None:
        """The gaps live in the question text (see :meth:`_cloze_source`); nothing else to write."""

    @staticmethod
    def _cloze_source(body: dict) -> str:
        gaps = {gap["id"]: gap for gap in body.get("gaps") or []}

        def embed(match: re.Match) -> str:
            gap = gaps.get(match.group(1))
            if gap is None:
                raise ValueError(f"Câu điền khuyết nhắc tới chỗ trống {{{{{match.group(1)}}}}} không có đáp án.")
            answers = "~".join("=" + _cloze_escape(html.escape(a, quote=False)) for a in gap["answers"])
            return "{1:SHORTANSWER:%s}" % answers

        return _GAP_MARKER.sub(embed, cloze_display_text(body))
