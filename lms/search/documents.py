"""What every search backend agrees on: the document shape, the permission filter and the result page.

Callers hand a backend documents as plain dicts and a permission filter (:class:`Allow`) as plain data, and
get plain data back (:class:`Results`); neither side knows which backend (whoosh files or PostgreSQL rows)
holds the index. The permission filter is applied inside the backend's query, so totals, pages and facet
counts only ever count what the caller may see.

Document shape accepted by ``upsert``::

    {"type": "lecture" | "question", "obj_id": 12,            # required; doc_key becomes "lecture:12"
     "title": "plain text", "body": "<p>HTML with $LaTeX$</p>",
     "teacher_only": "<p>explanation</p>" | None,             # searched only with teacher_fields=True
     "subject": "toan", "grade": 10, "level": "van_dung" | None, "status": "published",
     "qtype": "single_choice" | None,
     "visibility": "private" | "class" | "school" | "shared", "owner_id": 5, "school_id": 3,
     "class_ids": [7, 8], "audience": "staff" | None,
     "updated_at": "2026-09-01T08:00:00+07:00"}               # str or datetime; echoed by doc_versions()
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from lms.search.analysis import clean_text

TYPES = ("lecture", "question")
FACET_FIELDS = ("type", "subject", "grade", "level", "status")
PERMISSION_FIELDS = ("visibility", "owner_id", "school_id", "class_ids", "audience")
#: Fields an :class:`Allow` clause or a search filter may test.
FILTER_FIELDS = FACET_FIELDS + ("qtype",) + PERMISSION_FIELDS
SCALAR_FIELDS = ("subject", "grade", "level", "status", "qtype", "visibility", "owner_id", "school_id", "audience")
DOC_KEYS = frozenset(("type", "obj_id", "title", "body", "teacher_only", "class_ids", "updated_at") + SCALAR_FIELDS)

MAX_PER_PAGE = 100
#: Longer queries are cut: every token adds a clause, and nobody types 32 syllables on purpose.
MAX_QUERY_TOKENS = 32
#: Snippets are cut from this much of the body; a match further in falls back to the opening.
SNIPPET_SOURCE_CHARS = 4000
SNIPPET_CHARS = 240
#: Below this many hits a "did you mean" suggestion is looked for.
SUGGEST_BELOW = 3


def doc_key(type_: str, obj_id: Any) -> str:
    """Return the unique key of an indexed object, e.g. ``doc_key("lecture", 12) == "lecture:12"``."""
    return f"{type_}:{obj_id}"


def split_key(key: str) -> tuple[str, str]:
    """Return ``(type, obj_id)`` of a :func:`doc_key`."""
    type_, _, obj_id = key.partition(":")
    return type_, obj_id


def values_of(value: Any) -> tuple[str, ...]:
    """A filter value as a sorted tuple of strings (a list value means any of them)."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(sorted(str(v) for v in value))
    return (str(value),)


@dataclass(frozen=True)
class Allow:
    """What a caller may see: an OR of clauses, each an AND of ``field=value`` tests.

    ``Allow(any_of=[{"type": "lecture", "visibility": "shared", "status": "published"},
    {"owner_id": "5"}, {"type": "lecture", "class_ids": ["7", "8"]}])`` - a list value in a clause
    means any of those values. Fields must be in :data:`FILTER_FIELDS`. No clauses means nothing is
    visible; an empty clause is refused (it would silently mean everything) - use :meth:`everything`.
    """

    any_of: tuple = field(default=(), compare=False)
    unrestricted: bool = False
    clauses: tuple = field(init=False, repr=False, compare=True)

    def __post_init__(self):
        clauses = []
        for clause in self.any_of:
            if not clause:
                raise ValueError("an empty Allow clause would match everything; use Allow.everything()")
            unknown = set(clause) - set(FILTER_FIELDS)
            if unknown:
                raise ValueError(f"unknown Allow fields: {sorted(unknown)}")
            clauses.append(tuple(sorted((name, values_of(v)) for name, v in clause.items())))
        object.__setattr__(self, "any_of", tuple(dict(c) for c in self.any_of))
        object.__setattr__(self, "clauses", tuple(sorted(set(clauses))))

    def __hash__(self):
        return hash((self.clauses, self.unrestricted))

    @classmethod
    def everything(cls) -> "Allow":
        """A filter that lets every document through (admins, the rebuild check)."""
        return cls(unrestricted=True)


@dataclass
class Results:
    """One page of search results.

    ``items``: ``[{"type", "id", "title", "snippet", "score"}]`` where ``id`` is an int when the indexed
    ``obj_id`` was numeric, ``title`` is plain text (escape it) and ``snippet`` is safe HTML with the
    matched words in ``<mark>``. ``facets``: ``{facet: {value: count}}`` for type, subject, grade, level and
    status, each counted under the allow filter and every active filter except its own.
    """

    total: int
    items: list[dict]
    facets: dict[str, dict[str, int]]
    suggestion: str | None = None
    page: int = 1
    per_page: int = 20


def prepare(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one document and return it normalised: text cleaned (HTML and LaTeX reduced, NFC),
    scalar fields as strings (missing ones ``None``), ``class_ids`` a sorted tuple of strings,
    ``updated_at`` a string. Raises ``ValueError`` for an unknown field, type or a missing ``obj_id``.
    """
    unknown = set(doc) - DOC_KEYS
    if unknown:
        raise ValueError(f"unknown document fields: {sorted(unknown)}")
    type_ = doc.get("type")
    if type_ not in TYPES:
        raise ValueError(f"document type must be one of {TYPES}, got {type_!r}")
    if doc.get("obj_id") in (None, ""):
        raise ValueError("document obj_id is required")
    updated_at = doc.get("updated_at")
    if isinstance(updated_at, datetime):
        updated_at = updated_at.isoformat()
    out = {
        "key": doc_key(type_, doc["obj_id"]),
        "type": type_,
        "obj_id": str(doc["obj_id"]),
        "title": clean_text(doc.get("title"), html=False),
        "body": clean_text(doc.get("body")),
        "teacher_only": clean_text(doc.get("teacher_only")),
        "updated_at": "" if updated_at is None else str(updated_at),
        "class_ids": values_of(doc.get("class_ids")) if doc.get("class_ids") else (),
    }
    for name in SCALAR_FIELDS:
        value = doc.get(name)
        out[name] = None if value in (None, "") else str(value)
    return out


def check_paging(page: int, per_page: int) -> None:
    """Raise ``ValueError`` for a page below 1 or ``per_page`` outside 1..MAX_PER_PAGE."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"page must be >= 1 and per_page within 1..{MAX_PER_PAGE}")


def sorted_counts(groups: Mapping) -> dict[str, int]:
    """Facet counts without empty values, largest first then by value."""
    counts = {str(k): int(v) for k, v in groups.items() if k not in (None, "", b"") and v}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def opening(text: str) -> str:
    """The first :data:`SNIPPET_CHARS` of ``text``, cut at a space, with an ellipsis when cut."""
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > 0 else SNIPPET_CHARS] + " …"


def escaped_opening(text: str) -> str:
    """:func:`opening` as safe HTML."""
    return html.escape(opening(text), quote=False)
