"""Moodle XML (``<quiz><question type="...">``), the richest exchange format Moodle offers.

Read: multichoice (single/multiple), truefalse, shortanswer, numerical, matching, essay, multianswer
(Cloze ``{1:SHORTANSWER:=...}`` syntax), ordering (the qtype_ordering plugin) and category; description
questions are skipped with a note.  Images come from ``<file encoding="base64">`` and ``@@PLUGINFILE@@/x``
references become ``cid:x``.  The file is streamed with defusedxml's iterparse, so DTDs and entities are
refused (ImportRejected) and a 5,000-question bank never exists as one tree.

What is where: ``reading.py`` streams a file into drafts (:class:`MoodleXmlReader`), ``writing.py`` builds the
``<quiz>`` (:class:`MoodleXmlWriter`); :class:`MoodleXmlFormat`, registered here, is the two together.
"""
from __future__ import annotations

from question_bank.formats.base import Format, register
from question_bank.formats.moodle_xml.reading import MoodleXmlReader
from question_bank.formats.moodle_xml.writing import MoodleXmlWriter

__all__ = ["MoodleXmlFormat"]


@register
class MoodleXmlFormat(MoodleXmlReader, MoodleXmlWriter, Format):
    name = "moodle_xml"
    label = "Moodle XML"
    extensions = (".xml",)
    supported_types = frozenset({"single_choice", "multiple_choice", "true_false", "short_answer", "matching",
                                 "ordering", "cloze", "essay"})
    #: Optional parts Moodle XML writes (base.OPTIONAL_PARTS); the rest is reported by ``losses`` on export.
    carries = frozenset({"explanation", "name", "idnumber", "options.feedback", "options.weight",
                         "answers.feedback", "rubric", "formatting"})
