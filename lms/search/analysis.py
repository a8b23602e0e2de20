"""Vietnamese text analysis for the search index.

Text reaches the index from rich-text editors (HTML with LaTeX between ``$...$``), from Word imports and
from phones, so the same word can arrive precomposed (NFC) or decomposed (NFD). Everything here
normalises to NFC first, so "học" typed on any device is one term.

Three token streams are produced, one per kind of index field:

* exact  - syllables, lowercased, diacritics kept ("chuyển", "đổi", "số");
* folded - the same with every diacritic removed and đ -> d ("chuyen", "doi", "so"), so queries typed
  without a Vietnamese keyboard still match;
* bigram - adjacent folded syllables joined by "_" ("chuyen_doi", "doi_so").

Why a bigram field rather than phrase queries: Vietnamese writes every syllable apart, so words are
mostly two-syllable compounds ("học sinh" = pupil, "sinh học" = biology) that a syllable index cannot
tell apart. Indexing each adjacent pair as its own term gives the compound its own document frequency
(a rare compound outranks two common syllables under BM25) and costs one Term lookup at query time,
whereas a whoosh Phrase query walks the position lists of every candidate document in pure Python.
The price is one extra term per syllable in one field.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser

from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer, Token

#: Joins the two syllables of a bigram token; never produced by the tokenizer, so no collision.
BIGRAM_JOINER = "_"

# Decimal numbers ("3,5" or "3.5" - Vietnamese writes the comma) stay one token; otherwise a token is
# a run of letters/digits. "_" is excluded from words so it can only come from BIGRAM_JOINER.
_TOKEN_PATTERN = r"\d+(?:[.,]\d+)+|[^\W_]+"

# Tags whose boundaries separate words; inline tags (<b>, <span>) may split a word and must not.
_BREAKING_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr img li ol p pre section sub sup table tbody td tfoot th thead tr ul".split()
)
_SKIPPED_TAGS = frozenset({"script", "style", "template"})

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
_LATEX_COMMAND = re.compile(r"\\(?:[A-Za-z]+\*?|.)")
_LATEX_SYNTAX = re.compile(r"[{}^_&~]")
_WHITESPACE = re.compile(r"\s+")


def _build_fold_table() -> dict[int, str]:
    # A translate table is a single C-level pass; NFD + filtering per token was the indexing hot spot.
    table = {ord("đ"): "d", ord("Đ"): "D"}
    for block in (range(0x00C0, 0x0250), range(0x1E00, 0x1F00)):
        for code in block:
            decomposed = unicodedata.normalize("NFD", chr(code))
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            if base != chr(code) and len(base) == 1:
                table[code] = base
    return table


_FOLD_TABLE = _build_fold_table()


def nfc(text: str | None) -> str:
    """Return ``text`` in Unicode NFC (precomposed) form; ``None`` becomes the empty string."""
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """Remove every Vietnamese diacritic (tone and vowel marks) and map đ/Đ to d/D; case is kept.

    Input may be NFC or NFD. ``fold("Chuyển đổi số") == "Chuyen doi so"``.
    """
    folded = nfc(text).translate(_FOLD_TABLE)
    # Marks NFC could not compose onto a base letter (rare stacked marks) are dropped as well.
    if any(unicodedata.combining(c) for c in folded):
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, with a space wherever a block boundary separated words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")
            alt = dict(attrs).get("alt") if tag == "img" else None
            if alt:
                self.parts.append(alt + " ")

    def handle_startendtag(self, tag, attrs):
        if tag not in _SKIPPED_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BREAKING_TAGS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """Return the visible text of an HTML fragment: tags removed, entities decoded, scripts dropped."""
    if "<" not in text and "&" not in text:
        return text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _math_words(match: re.Match) -> str:
    body = next(g for g in match.groups() if g is not None)
    body = _LATEX_COMMAND.sub(" ", body)
    return " " + _LATEX_SYNTAX.sub(" ", body) + " "


def strip_latex(text: str) -> str:
    """Reduce LaTeX math (``$..$``, ``$$..$$``, ``\\(..\\)``, ``\\[..\\]``) to its identifiers and numbers.

    Commands are dropped and their arguments kept: ``$\\frac{a}{b}$`` -> ``" a b "`` and
    ``$\\text{số} x^2$`` -> ``" số x 2 "``. Text outside math is returned unchanged.
    """
    if "$" not in text and "\\" not in text:
        return text
    return _MATH.sub(_math_words, text)


def clean_text(text: str | None, *, html: bool = True) -> str:
    """Return indexable plain text: NFC, HTML stripped (unless ``html=False``), LaTeX reduced, spaces collapsed.

    Case and diacritics are kept, because the result is also stored as the snippet source shown to users.
    """
    text = nfc(text)
    if html:
        text = strip_html(text)
    text = strip_latex(text)
    return _WHITESPACE.sub(" ", text).strip()


class VietnameseTokenizer(RegexTokenizer):
    """Splits text into syllables after NFC normalisation, so NFD input yields the same tokens."""

    def __init__(self) -> None:
        super().__init__(expression=_TOKEN_PATTERN, gaps=False)

    def __call__(self, value, **kwargs):
        return super().__call__(nfc(value), **kwargs)


# Vietnamese has only a few thousand distinct syllables, so folding per token is nearly always a cache hit.
fold_token = lru_cache(maxsize=65536)(fold)


class FoldFilter(Filter):
    """Replaces each token's text with its diacritic-free form (see :func:`fold`)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_token(token.text)
            yield token


class BigramFilter(Filter):
    """Replaces a token stream with its adjacent pairs: ``a b c`` -> ``a_b b_c``.

    A single-token stream yields nothing: single syllables are already in the other fields.
    """

    def __call__(self, tokens):
        previous = None  # (text, pos, startchar) of the previous token; whoosh reuses Token objects
        for token in tokens:
            text = token.text
            pos = getattr(token, "pos", None)
            start = getattr(token, "startchar", None)
            if previous is not None:
                token.text = previous[0] + BIGRAM_JOINER + text
                if previous[1] is not None:
                    token.pos = previous[1]
                if previous[2] is not None:
                    token.startchar = previous[2]
                yield token
            previous = (text, pos, start)


def exact_analyzer():
    """Analyzer for exact fields: NFC, syllable tokens, lowercase; diacritics kept."""
    return VietnameseTokenizer() | LowercaseFilter()


def folded_analyzer():
    """Analyzer for folded fields: as :func:`exact_analyzer`, then diacritics folded (đ -> d)."""
    return VietnameseTokenizer() | LowercaseFilter() | FoldFilter()


def bigram_analyzer():
    """Analyzer for the two-syllable field: folded syllables joined pairwise ("hoc_sinh")."""
    return VietnameseTokenizer() | LowercaseFilter() | FoldFilter() | BigramFilter()


def bigrams(folded_tokens: list[str]) -> list[str]:
    """Return the bigram terms of an already-folded token list, as :class:`BigramFilter` indexes them."""
    return [a + BIGRAM_JOINER + b for a, b in zip(folded_tokens, folded_tokens[1:])]


_TOKEN_RE = re.compile(_TOKEN_PATTERN)


def matched_folded_tokens(text: str, words: frozenset):
    """Yield the tokens :func:`folded_analyzer` makes of ``text`` (index mode, positions and characters),
    each with ``matched`` set when its folded text is in ``words`` - the stream whoosh's highlighter builds
    with ``set_matched_filter``, in one generator instead of four (snippets re-analyse up to 4,000
    characters for each of the 20 hits on a page). Like whoosh, the one Token object is reused.
    """
    token = Token(positions=True, chars=True, removestops=False, mode="index")
    for pos, match in enumerate(_TOKEN_RE.finditer(nfc(text))):
        token.text = folded = fold_token(match.group(0).lower())
        token.boost = 1.0
        token.stopped = False
        token.pos = pos
        token.startchar, token.endchar = match.span()
        token.matched = folded in words
        yield token


def tokens(text: str) -> list[str]:
    """The syllables :func:`exact_analyzer` makes of ``text`` (NFC, lowercased, diacritics kept), in order."""
    # findall hands back the matched strings (the pattern has no capturing group) without Match objects.
    return [t.lower() for t in _TOKEN_RE.findall(nfc(text))]


def query_tokens(q: str | None) -> list[str]:
    """The distinct syllables of a query, in the order typed (query syntax is not interpreted)."""
    return list(dict.fromkeys(tokens(q or "")))
