"""The whoosh schema, how a document becomes whoosh fields, and an :class:`Allow` as a whoosh query.

The fields: exact (``title``, ``body``, ``teacher_only``: diacritics kept) and folded (``*_f``: diacritics
removed, đ -> d) syllables, ``bigrams`` (adjacent folded syllables, see :mod:`lms.search.analysis`), the
stored snippet source, and ID fields for the facets and the permission filter.
"""
from __future__ import annotations

from typing import Any, Mapping

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.query import And, NullQuery, Or, Term

from lms.search.analysis import bigram_analyzer, exact_analyzer, folded_analyzer
from lms.search.documents import SCALAR_FIELDS, SNIPPET_SOURCE_CHARS, Allow, prepare

#: Text fields by analyzer (the fast writer, :mod:`.writers`, tokenises them itself and must know which is which).
EXACT_FIELDS = frozenset({"title", "body", "teacher_only"})
FOLDED_FIELDS = frozenset({"title_f", "body_f", "teacher_only_f"})
BIGRAM_FIELDS = frozenset({"bigrams"})


def build_schema() -> Schema:
    """Return the whoosh schema of the index (see the module docstring for what each field holds)."""
    exact, folded = exact_analyzer(), folded_analyzer()
    return Schema(
        doc_key=ID(unique=True, stored=True, sortable=True),
        type=ID(stored=True, sortable=True),
        obj_id=ID(stored=True),
        title=TEXT(analyzer=exact, stored=True, phrase=False),
        title_f=TEXT(analyzer=folded, phrase=False),
        body=TEXT(analyzer=exact, phrase=False),
        body_f=TEXT(analyzer=folded, phrase=False),
        bigrams=TEXT(analyzer=bigram_analyzer(), phrase=False),
        teacher_only=TEXT(analyzer=exact, phrase=False),
        teacher_only_f=TEXT(analyzer=folded, phrase=False),
        snippet_src=STORED(),
        updated_at=ID(stored=True, sortable=True),
        subject=ID(sortable=True),
        grade=ID(sortable=True),
        level=ID(sortable=True),
        status=ID(sortable=True),
        qtype=ID(),
        visibility=ID(),
        owner_id=ID(),
        school_id=ID(),
        class_ids=KEYWORD(commas=True),
        audience=ID(),
    )



def allow_query(allow: Allow):
    """Return the whoosh query matching exactly the documents ``allow`` lets through, ``None`` if unrestricted."""
    if allow.unrestricted:
        return None
    if not allow.clauses:
        return NullQuery
    ors = []
    for clause in allow.clauses:
        terms = [_any_term(name, values) for name, values in clause]
        ors.append(terms[0] if len(terms) == 1 else And(terms))
    return ors[0] if len(ors) == 1 else Or(ors)


def _any_term(name: str, values: tuple[str, ...]):
    terms = [Term(name, v) for v in values]
    return terms[0] if len(terms) == 1 else Or(terms)



def to_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Return the whoosh fields of one document (validated by :func:`lms.search.documents.prepare`)."""
    p = prepare(doc)
    title, body, teacher_only = p["title"], p["body"], p["teacher_only"]
    fields = {
        "doc_key": p["key"],
        "type": p["type"],
        "obj_id": p["obj_id"],
        "title": title,
        "title_f": title,
        "body": body,
        "body_f": body,
        # A newline between title and body still forms one spurious bigram; harmless, it only adds score.
        "bigrams": f"{title}\n{body}",
        "teacher_only": teacher_only,
        "teacher_only_f": teacher_only,
        "snippet_src": body[:SNIPPET_SOURCE_CHARS],
        "updated_at": p["updated_at"],
    }
    for name in SCALAR_FIELDS:
        if p[name] is not None:
            fields[name] = p[name]
    if p["class_ids"]:
        fields["class_ids"] = ",".join(p["class_ids"])
    return fields
