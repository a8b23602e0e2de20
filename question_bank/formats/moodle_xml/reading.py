"""Reading Moodle XML: each ``<question>`` streamed, converted to a draft (images as ``cid:``), then freed."""
from __future__ import annotations

import base64
import binascii
import html
import io
import re
from decimal import Decimal
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from question_bank.formats.base import (
    Draft, ImageBlob, ImportProblem, ImportRejected, ParseResult, apply_tags, category_to_topic, format_number,
    guess_content_type, html_to_text, json_number, letter_id, number_id, parse_decimal, read_limited, text_to_html,
    weights_to_keep, xml_error_position,
)

_PLUGINFILE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>)]+)")
_CLOZE = re.compile(r"\{(\d*):([A-Za-z_]+):((?:\\.|[^\\}])*)\}", re.S)
_CLOZE_TEXT_TYPES = {"SHORTANSWER", "SA", "MW", "SHORTANSWER_C", "SAC", "MWC", "NUMERICAL", "NM"}
_CLOZE_CHOICE_TYPES = {"MULTICHOICE", "MC", "MULTICHOICE_V", "MCV", "MULTICHOICE_H", "MCH", "MULTICHOICE_S",
                       "MCS", "MULTICHOICE_VS", "MCVS", "MULTICHOICE_HS", "MCHS"}


class _Skip(Exception):
    """This question cannot be imported; the message says why."""


def _fraction(answer: ET.Element) -> Decimal:
    return parse_decimal(answer.get("fraction") or "0") or Decimal(0)


def _child_text(element: ET.Element, path: str, default: str = "") -> str:
    found = element.find(path)
    return found.text or default if found is not None else default


def _cloze_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


class MoodleXmlReader:
    """The reading half of :class:`question_bank.formats.moodle_xml.MoodleXmlFormat`."""

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
