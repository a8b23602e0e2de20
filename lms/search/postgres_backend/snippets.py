"""Snippets with ``<mark>``: a window of the body around the densest run of matched syllables.

Made in Python on the page's hits only (20 bodies, at most 4,000 characters each), because
PostgreSQL's ``ts_headline`` re-parses the text with its own parser and could only mark the folded text,
not the words as written with their diacritics.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache

from lms.search.analysis import fold, nfc
from lms.search.documents import SNIPPET_CHARS, escaped_opening

from .vectors import fold_token

_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")
#: Characters of context kept before the first marked word.
_LEAD = 60


@lru_cache(maxsize=256)
def _words_pattern(words: frozenset) -> re.Pattern:
    """Whole tokens equal to one of ``words`` (longest first, so "3,5" wins over "3")."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")


def snippet(body: str, folded_words: set[str]) -> str:
    """Safe HTML: a window of ``body`` (escaped) with every syllable whose folded form is in
    ``folded_words`` wrapped in ``<mark>``; the opening of the body when nothing matches."""
    text = nfc(body)
    if not folded_words:
        return escaped_opening(text)
    folded = fold(text).lower()
    if len(folded) == len(text):
        # Folding maps each character to one, so matches in the folded text are spans of the original:
        # one regex pass in C instead of folding every token of up to 4,000 characters in Python.
        spans = [m.span() for m in _words_pattern(frozenset(folded_words)).finditer(folded)]
    else:
        spans = [m.span() for m in _TOKEN.finditer(text) if fold_token(m.group(0).lower()) in folded_words]
    if not spans:
        return escaped_opening(text)
    # The window starting at the matched word that has the most matches within SNIPPET_CHARS after it.
    best, best_count = 0, 0
    ends = 0
    for i, (start, _end) in enumerate(spans):
        while ends < len(spans) and spans[ends][1] <= start + SNIPPET_CHARS:
            ends += 1
        if ends - i > best_count:
            best, best_count = i, ends - i
    first = spans[best][0]
    start = max(0, first - _LEAD)
    if start > 0:
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else first
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", max(first, start + 1), end)
        end = space if space > first else end
    out = ["… " if start > 0 else ""]
    cursor = start
    for s, e in spans[best:]:
        if s >= end:
            break
        out.append(html.escape(text[cursor:s], quote=False))
        out.append("<mark>" + html.escape(text[s:min(e, end)], quote=False) + "</mark>")
        cursor = min(e, end)
    out.append(html.escape(text[cursor:end], quote=False))
    if end < len(text):
        out.append(" …")
    return "".join(out)
