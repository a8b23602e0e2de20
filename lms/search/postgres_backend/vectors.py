"""tsvector and tsquery literals built in Python from the same tokens and folding as the whoosh backend.

Casting a literal (``'chuyen':1A 'doi':2A``) to ``tsvector`` or ``tsquery`` bypasses PostgreSQL's text
parser and dictionaries, whose idea of a letter depends on the database's locale (a C-locale database
would split "chuyển" at the "ể"). Positions are kept, so phrase operators (``<->``) work.
"""
from __future__ import annotations

from functools import lru_cache

from lms.search.analysis import fold, tokens

#: PostgreSQL's limits: positions above 16,383 are clamped, at most 256 positions per lexeme are kept,
#: lexemes must stay below 2 KB. Longer "words" (base64 blobs pasted into a question) are skipped.
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 255
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
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def vectors(title: str, body: str, teacher_only: str) -> tuple[str, str]:
    """Return the ``(exact, folded)`` tsvector literals of one document's cleaned text.

    Positions run on across title, body and teacher text with a gap between them, so no phrase matches
    across two fields.
    """
    exact: dict[str, list[str]] = {}
    folded: dict[str, list[str]] = {}
    position = 0
    for text, weight in ((title, TITLE), (body, BODY), (teacher_only, TEACHER)):
        for token in tokens(text):
            position += 1
            if len(token) > MAX_LEXEME_CHARS:
                continue
            entry = f"{min(position, MAX_POSITION)}{weight}"
            for target, lexeme in ((exact, token), (folded, fold_token(token))):
                found = target.get(lexeme)
                if found is None:
                    target[lexeme] = [entry]
                elif len(found) < MAX_POSITIONS_PER_LEXEME and found[-1] != entry:
                    found.append(entry)
        position += 1
    return _literal(exact), _literal(folded)


def _literal(lexemes: dict[str, list[str]]) -> str:
    return " ".join(f"{quote(lexeme)}:{','.join(entries)}" for lexeme, entries in lexemes.items())


def words(title: str, body: str) -> set[str]:
    """The words of title and body worth offering as spelling corrections (letters only, 2-40 chars)."""
    return {t for t in tokens(f"{title} {body}") if t.isalpha() and 2 <= len(t) <= 40}


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
        self.exact = " | ".join(quote(t) + restrict for t in exact_tokens)
        in_order = folded_in_order(exact_tokens)
        pairs = list(dict.fromkeys(zip(in_order, in_order[1:])))[:MAX_PHRASES]
        self.phrases = [f"{quote(a)}{restrict} <-> {quote(b)}{restrict}" for a, b in pairs]


def folded_in_order(exact_tokens: list[str]) -> list[str]:
    """The folded tokens in query order (repeats kept, so "a b a" still has the pairs a-b and b-a)."""
    return [fold_token(t) for t in exact_tokens]
