"""Writing Moodle XML: a ``<quiz>`` with a category before each change of topic, images as attached files."""
from __future__ import annotations

import base64
import html
import re
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

from question_bank.formats.base import (
    ExportResult, ImageBlob, ImportProblem, choice_weights, cloze_display_text, format_number, html_to_text,
    meta_tags,
)

_CID = re.compile(r"cid:([^\"'<>]+)")
_GAP_MARKER = re.compile(r"\{\{([^{}]+)\}\}")


def _cloze_escape(text: str) -> str:
    # Moodle's Cloze syntax knows exactly these escapes: \} \# \~ \/ \" \\.
    return re.sub(r'([\\}#~/"])', r"\\\1", text)


class MoodleXmlWriter:
    """The writing half of :class:`question_bank.formats.moodle_xml.MoodleXmlFormat`."""

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
                MoodleXmlWriter._rich_field(answer, "feedback", entry["feedback"], images)

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
