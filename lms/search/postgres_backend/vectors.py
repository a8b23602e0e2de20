"""tsvector and tsquery literals built in Python from the same tokens and folding as the whoosh backend.

Casting a literal (``'chuyen':1A 'doi':2A``) to ``tsvector`` or ``tsquery`` bypasses PostgreSQL's text
parser and dictionaries, whose idea of a letter depends on the database's locale (a C-locale database
would split "chuyển" at the "ể"). Positions are kept, so phrase operators (``<->``) work.
"""
from __future__ import annotations

from functools import lru_cache

from lms.search.analysis import fold, tokens

#: PostgreSQL's limits: positions above 16,383 are clamped (here too), the first 256 positions of a lexeme
#: are kept (by PostgreSQL), lexemes must stay below 2 KB: longer "words" (pasted base64) are skipped.
MAX_POSITION = 16383
MAX_LEXEME_CHARS = 200

#: Weights: title A, body B, teacher-only text D; queries without teacher fields restrict to A and B.
TITLE, BODY, TEACHER = "A", "B", "D"
#: ts_rank weights for {D, C, B, A}: a title match counts more than two body matches.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
#: Adjacent pairs of a query that add a phrase bonus (each costs one @@ per ranked row).
MAX_PHRASES = 8

fold_token = lru_cache(maxsize=65536)(fold)


def quote(lexeme: str) -> str:
    """A lexeme quoted for tsvector/tsquery input."""
    if "'" in lexeme or "\\" in lexeme:
        lexeme = lexeme.replace("\\", "\\\\").replace("'", "''")
    return "'" + lexeme + "'"


# A vocabulary of a few thousand syllables: each lexeme's literal prefix ("'chuyen':") is built once.
_prefix = lru_cache(maxsize=65536)(lambda lexeme: quote(lexeme) + ":")


# "12A", "13B", ... for every position and weight: the literal is built by lookups, not formatting.
_ENTRIES = {weight: [f"{p}{weight}" for p in range(MAX_POSITION + 1)] for weight in (TITLE, BODY, TEACHER)}
# Filter lexemes sit at position 1 with weight A, so a query restricted to titles and bodies (:AB) still
# matches them; no rank query contains them.
_FILTER_ENTRY = f"1{TITLE}"


def filter_lexeme(field: str, value: str) -> str:
    """The lexeme standing for ``field == value`` in ``folded_tsv`` ("visibility=shared"). A "=" never
    occurs in a text token, so it cannot collide with a word."""
    return f"{field}={value}"


def analyse(title: str, body: str, teacher_only: str, filters: dict) -> tuple[str, str, set[str]]:
    """Return the ``(exact, folded)`` tsvector literals of one document's cleaned text and the words of its
    title and body worth offering as spelling corrections (letters only, 2-40 characters).

    Positions run on across title, body and teacher text with a gap between them, so no phrase matches
    across two fields. PostgreSQL sorts and de-duplicates positions and keeps the first 256 per lexeme.
    ``filters`` (``{field: value or values}``) become :func:`filter_lexeme` lexemes of the folded vector,
    so the GIN index answers "matches the words AND may be seen" before any row is read.
    """
    exact: dict[str, list[str]] = {}
    position = 0
    seen_words: set[str] = set()
    for text, weight in ((title, TITLE), (body, BODY), (teacher_only, TEACHER)):
        table = _ENTRIES[weight]
        found = tokens(text)
        if weight != TEACHER:
            seen_words.update(found)
        # Positions position+1 .. position+len(found), clamped at MAX_POSITION (slicing stops at the table's end).
        entries_of = table[position + 1:position + 1 + len(found)]
        entries_of += [table[MAX_POSITION]] * (len(found) - len(entries_of))
        for token, entry in zip(found, entries_of):
            entries = exact.get(token)
            if entries is None:
                exact[token] = [entry]
            else:
                entries.append(entry)
        position += len(found) + 1
    folded: dict[str, list[str]] = {}
    copied: set[str] = set()  # folded keys whose list is no longer one of exact's (safe to extend)
    for lexeme, entries in exact.items():
        key = fold_token(lexeme)
        merged = folded.get(key)
        if merged is None:
            folded[key] = entries
        elif key in copied:
            merged.extend(entries)
        else:
            folded[key] = merged + entries
            copied.add(key)
    words = {w for w in seen_words if 2 <= len(w) <= 40 and w.isalpha()}
    marks = [_FILTER_ENTRY]
    for field, value in filters.items():
        for one in (value if isinstance(value, (list, tuple)) else (value,)):
            if one is not None:
                folded[filter_lexeme(field, one)] = marks
    return _literal(exact), _literal(folded), words


def _literal(lexemes: dict[str, list[str]]) -> str:
    prefix, join = _prefix, ",".join
    return " ".join([prefix(lexeme) + join(entries)
                     for lexeme, entries in lexemes.items() if len(lexeme) <= MAX_LEXEME_CHARS])


class Queries:
    """The tsqueries of one search: ``match`` (every folded syllable, the recall condition), ``exact``
    (any syllable as typed, diacritics kept) and ``phrases`` (each pair of adjacent folded syllables), for
    ranking."""

    def __init__(self, exact_tokens: list[str], teacher_fields: bool):
        # Without teacher fields, a lexeme only counts where it occurs in a title or body (weights A, B).
        restrict = "" if teacher_fields else ":AB"
        folded = list(dict.fromkeys(fold_token(t) for t in exact_tokens))
        self.folded = folded
        self.match = " & ".join(quote(t) + restrict for t in folded)
        self.folded_any = " | ".join(quote(t) + restrict for t in folded)
        self.exact = " | ".join(quote(t) + restrict for t in exact_tokens)
        in_order = folded_in_order(exact_tokens)
        pairs = list(dict.fromkeys(zip(in_order, in_order[1:])))[:MAX_PHRASES]
        self.phrases = [f"{quote(a)}{restrict} <-> {quote(b)}{restrict}" for a, b in pairs]


def allow_query(clauses) -> str:
    """An ``Allow``'s clauses (OR of ANDs of any-of values) as a tsquery over the filter lexemes."""
    ors = []
    for clause in clauses:
        ands = []
        for field, values in clause:
            terms = [quote(filter_lexeme(field, v)) for v in values]
            ands.append(terms[0] if len(terms) == 1 else "(" + " | ".join(terms) + ")")
        ors.append("(" + " & ".join(ands) + ")")
    return " | ".join(ors)


def folded_in_order(exact_tokens: list[str]) -> list[str]:
    """The folded tokens in query order (repeats kept, so "a b a" still has the pairs a-b and b-a)."""
    return [fold_token(t) for t in exact_tokens]
