"""GIFT: Moodle's "General Import Format Template" (plain text).

Covers the practical grammar Moodle reads: ``//`` comment lines (with ``// [tag:...]``), ``$CATEGORY:``,
``::title::``, ``[html]``/``[markdown]``/``[plain]``/``[moodle]`` text formats, escapes ``\\~ \\= \\# \\{ \\} \\:
\\n \\\\``, choice (``=``/``~``, weights ``~%50%``), true/false, short answer, numeric (``#1.5:0.1``,
``#1..2``), matching (``=a -> b``), essay (``{}``), missing word (answers in the middle of the text), per-answer
feedback ``#`` and general feedback ``####``.

Questions are separated by blank lines, as in Moodle, so one broken question (say an unclosed brace at
line 57) is reported with its line and the rest still import.

What is where: ``syntax.py`` holds the escapes and text formats both directions share; ``reading.py`` parses
(:class:`GiftReader`), ``writing.py`` writes (:class:`GiftWriter`); :class:`GiftFormat`, registered here,
is the two together.
"""
from __future__ import annotations

from question_bank.formats.base import Format, register
from question_bank.formats.gift.reading import GiftReader
from question_bank.formats.gift.syntax import GiftSyntaxError
from question_bank.formats.gift.writing import GiftWriter

__all__ = ["GiftFormat", "GiftSyntaxError"]


@register
class GiftFormat(GiftReader, GiftWriter, Format):
    name = "gift"
    label = "GIFT"
    extensions = (".gift", ".txt")
    supported_types = frozenset({"single_choice", "multiple_choice", "true_false", "short_answer", "matching",
                                 "cloze", "essay"})
    #: Optional parts GIFT writes (base.OPTIONAL_PARTS); the rest is reported by ``losses`` on export.
    carries = frozenset({"explanation", "name", "idnumber", "options.feedback", "options.weight",
                         "answers.feedback", "formatting"})
