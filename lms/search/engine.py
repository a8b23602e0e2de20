"""The search index of lectures and questions, a port over whoosh.

``SearchIndex`` knows nothing about users or the database: callers hand it documents as plain dicts and
a permission filter (:class:`Allow`) as plain data, and get plain data back. The permission filter is
applied inside the whoosh query, so totals, pages and facet counts only ever count what the caller may see.

Document shape accepted by :meth:`SearchIndex.upsert`::

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
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from whoosh import highlight, index, sorting, writing
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.idsets import BitSet
from whoosh.index import LockError
from whoosh.query import And, AndMaybe, Every, NullQuery, Or, Term

from lms.search.analysis import (
    bigram_analyzer,
    bigrams,
    clean_text,
    exact_analyzer,
    fold,
    folded_analyzer,
)

TYPES = ("lecture", "question")
FACET_FIELDS = ("type", "subject", "grade", "level", "status")
PERMISSION_FIELDS = ("visibility", "owner_id", "school_id", "class_ids", "audience")
#: Fields an :class:`Allow` clause or a search filter may test.
FILTER_FIELDS = FACET_FIELDS + ("qtype",) + PERMISSION_FIELDS
_SCALAR_FIELDS = ("subject", "grade", "level", "status", "qtype", "visibility", "owner_id", "school_id", "audience")
_DOC_KEYS = frozenset(
    ("type", "obj_id", "title", "body", "teacher_only", "class_ids", "updated_at") + _SCALAR_FIELDS
)

MAX_PER_PAGE = 100
#: Longer queries are cut: every token adds a clause, and nobody types 32 syllables on purpose.
MAX_QUERY_TOKENS = 32
#: Snippets are cut from this much of the body (stored); a match further in falls back to the opening.
SNIPPET_SOURCE_CHARS = 4000
SNIPPET_CHARS = 240
#: Below this many hits a "did you mean" suggestion is looked for.
SUGGEST_BELOW = 3

# Relative weights of the query parts. Every syllable must match a folded field (recall); the exact
# fields and the bigram field only add score, so the same words with the caller's diacritics, and the
# caller's two-syllable words, rank first. Titles count double their bodies.
_W_EXACT_TITLE, _W_EXACT_BODY = 4.0, 2.0
_W_FOLDED_TITLE, _W_FOLDED_BODY, _W_TEACHER = 2.0, 1.0, 0.5
_W_BIGRAM = 3.0

_FILTER_CACHE_SIZE = 128

# One lock per index directory per process: two SearchIndex objects on the same path (web app and an
# in-process worker thread) must queue on it rather than race for whoosh's file lock.
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock_for(path: str) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(os.path.realpath(path), threading.Lock())


class IndexBusyError(RuntimeError):
    """Another process held the index's write lock for longer than the writer timeout."""


def doc_key(type_: str, obj_id: Any) -> str:
    """Return the unique key of an indexed object, e.g. ``doc_key("lecture", 12) == "lecture:12"``."""
    return f"{type_}:{obj_id}"


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


def _values(value: Any) -> tuple[str, ...]:
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
            clauses.append(tuple(sorted((name, _values(v)) for name, v in clause.items())))
        object.__setattr__(self, "any_of", tuple(dict(c) for c in self.any_of))
        object.__setattr__(self, "clauses", tuple(sorted(set(clauses))))

    def __hash__(self):
        return hash((self.clauses, self.unrestricted))

    @classmethod
    def everything(cls) -> "Allow":
        """A filter that lets every document through (admins, the rebuild check)."""
        return cls(unrestricted=True)

    def to_query(self):
        """Return the whoosh query matching exactly the allowed documents, or ``None`` if unrestricted."""
        if self.unrestricted:
            return None
        if not self.clauses:
            return NullQuery
        ors = []
        for clause in self.clauses:
            terms = [_any_term(name, values) for name, values in clause]
            ors.append(terms[0] if len(terms) == 1 else And(terms))
        return ors[0] if len(ors) == 1 else Or(ors)


def _any_term(name: str, values: tuple[str, ...]):
    terms = [Term(name, v) for v in values]
    return terms[0] if len(terms) == 1 else Or(terms)


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


class _MarkFormatter(highlight.Formatter):
    """Snippet HTML: everything escaped, matched words wrapped in ``<mark>``."""

    between = " … "

    def _text(self, text):
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return "<mark>" + self._text(highlight.get_text(text, token, replace)) + "</mark>"


def _to_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(doc) - _DOC_KEYS
    if unknown:
        raise ValueError(f"unknown document fields: {sorted(unknown)}")
    type_ = doc.get("type")
    if type_ not in TYPES:
        raise ValueError(f"document type must be one of {TYPES}, got {type_!r}")
    if doc.get("obj_id") in (None, ""):
        raise ValueError("document obj_id is required")
    title = clean_text(doc.get("title"), html=False)
    body = clean_text(doc.get("body"))
    teacher_only = clean_text(doc.get("teacher_only"))
    updated_at = doc.get("updated_at")
    if isinstance(updated_at, datetime):
        updated_at = updated_at.isoformat()
    fields = {
        "doc_key": doc_key(type_, doc["obj_id"]),
        "type": type_,
        "obj_id": str(doc["obj_id"]),
        "title": title,
        "title_f": title,
        "body": body,
        "body_f": body,
        # A newline between title and body still forms one spurious bigram; harmless, it only adds score.
        "bigrams": f"{title}\n{body}",
        "teacher_only": teacher_only,
        "teacher_only_f": teacher_only,
        "snippet_src": body[:SNIPPET_SOURCE_CHARS],
        "updated_at": "" if updated_at is None else str(updated_at),
    }
    for name in _SCALAR_FIELDS:
        value = doc.get(name)
        if value not in (None, ""):
            fields[name] = str(value)
    class_ids = doc.get("class_ids")
    if class_ids:
        fields["class_ids"] = ",".join(str(c) for c in _values(class_ids))
    return fields


class SearchIndex:
    """A whoosh index of lectures and questions in the directory ``path`` (created if missing).

    Writes from any number of threads are serialised by a per-directory process lock and then whoosh's
    file lock (waited for up to ``lock_timeout`` seconds), so concurrent writers queue instead of failing.
    Searches share one searcher, refreshed when another writer (thread or process) committed.
    """

    def __init__(self, path: str | os.PathLike, *, lock_timeout: float = 60.0):
        self.path = os.fspath(path)
        self.lock_timeout = lock_timeout
        os.makedirs(self.path, exist_ok=True)
        if index.exists_in(self.path):
            self._ix = index.open_dir(self.path)
        else:
            self._ix = index.create_in(self.path, build_schema())
        self._write_lock = _write_lock_for(self.path)
        # Whoosh searchers read shared file handles and are not safe to use from two threads at once;
        # whoosh is pure Python, so under the GIL serialising searches costs next to no throughput.
        self._read_lock = threading.RLock()
        self._searcher = None
        self._filter_cache: OrderedDict = OrderedDict()

    # -- writing -------------------------------------------------------------------------------------

    def _writer(self):
        try:
            return self._ix.writer(timeout=self.lock_timeout, delay=0.05, limitmb=64)
        except LockError as exc:
            raise IndexBusyError(f"search index {self.path} stayed locked for {self.lock_timeout}s") from exc

    def upsert(self, docs: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents (matched by ``doc_key``); returns how many were written.

        Every document is validated before the writer is opened, so a bad one writes nothing.
        """
        prepared = [_to_fields(d) for d in docs]
        if not prepared:
            return 0
        with self._write_lock:
            writer = self._writer()
            try:
                for fields in prepared:
                    writer.update_document(**fields)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return len(prepared)

    def delete(self, keys: Iterable[str]) -> int:
        """Delete documents by ``doc_key``; unknown keys are ignored. Returns how many were deleted."""
        keys = list(keys)
        if not keys:
            return 0
        with self._write_lock:
            writer = self._writer()
            try:
                deleted = sum(writer.delete_by_term("doc_key", k) for k in keys)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return deleted

    def clear(self) -> None:
        """Remove every document (before a full rebuild)."""
        with self._write_lock:
            writer = self._writer()
            # CLEAR drops all existing segments at commit instead of marking each document deleted.
            writer.commit(mergetype=writing.CLEAR)

    # -- reading -------------------------------------------------------------------------------------

    def _current_searcher(self):
        # Not whoosh's Searcher.refresh(): in Whoosh-Reloaded 2.7.5 its segment-reuse path re-adds
        # segments a merge has already replaced (duplicate hits) and crashes when the old reader was
        # empty. A stale searcher is replaced whole instead; the staleness check is one TOC listdir.
        # Measured by bench/search_bench.py --n 5000 (5,500 docs, busy 2-core box): the check ~0.01 ms,
        # reopening after a one-document commit 6-11 ms - paid once per commit, not per search.
        if self._searcher is None or not self._searcher.up_to_date():
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = self._ix.searcher()
            self._filter_cache.clear()
        return self._searcher

    def refresh(self) -> None:
        """Pick up commits made by other writers now rather than at the next search."""
        with self._read_lock:
            self._current_searcher()

    def close(self) -> None:
        """Release the searcher's file handles."""
        with self._read_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._filter_cache.clear()

    def _filter_set(self, searcher, query):
        # Allow filters repeat across a user's queries and pages; the doc-id set is valid until the
        # next commit (the cache is emptied when the searcher is refreshed).
        if query is None:
            return None
        cached = self._filter_cache.get(query)
        if cached is None:
            cached = BitSet(searcher.docs_for_query(query), size=searcher.doc_count_all())
            self._filter_cache[query] = cached
            if len(self._filter_cache) > _FILTER_CACHE_SIZE:
                self._filter_cache.popitem(last=False)
        else:
            self._filter_cache.move_to_end(query)
        return cached

    def search(
        self,
        q: str | None,
        *,
        allow: Allow,
        type: str | None = None,
        subject: str | None = None,
        grade: str | int | None = None,
        level: str | None = None,
        status: str | None = None,
        qtype: str | None = None,
        page: int = 1,
        per_page: int = 20,
        teacher_fields: bool = False,
    ) -> Results:
        """Search ``q`` (any text; query syntax is not interpreted) among the documents ``allow`` lets through.

        Diacritics-insensitive: each syllable must match with or without its marks; exact-diacritic
        matches, title matches and two-syllable matches rank higher. Blank ``q`` lists everything visible.
        ``teacher_fields`` also searches the teacher-only text (question explanations); snippets never
        show it. Raises ``ValueError`` for a page below 1 or ``per_page`` outside 1..100.
        """
        if not isinstance(allow, Allow):
            raise TypeError("allow must be an Allow")
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"page must be >= 1 and per_page within 1..{MAX_PER_PAGE}")
        exact_tokens = _unique(t.text for t in exact_analyzer()(q or ""))[:MAX_QUERY_TOKENS]
        text_query = _text_query(exact_tokens, teacher_fields)
        active = {
            name: str(value)
            for name, value in (("type", type), ("subject", subject), ("grade", grade), ("level", level),
                                ("status", status), ("qtype", qtype))
            if value not in (None, "")
        }
        allow_query = allow.to_query()

        with self._read_lock:
            searcher = self._current_searcher()

            def filter_for(exclude=None):
                parts = [] if allow_query is None else [allow_query]
                parts += [Term(n, v) for n, v in sorted(active.items()) if n != exclude]
                if not parts:
                    return None
                return self._filter_set(searcher, parts[0] if len(parts) == 1 else And(parts))

            main_filter = filter_for()
            shared = {n: sorting.FieldFacet(n, maptype=sorting.Count) for n in FACET_FIELDS if n not in active}
            facets = {n: {} for n in FACET_FIELDS}
            total, items, suggestion = 0, [], None
            if _may_match(main_filter):
                results = searcher.search_page(
                    text_query, page, pagelen=per_page, filter=main_filter, groupedby=shared or None, terms=True
                )
                total = results.total
                # search_page clamps a page past the end to the last page; past the end is empty here.
                items = self._items(results) if results.pagenum == page else []
                facets.update({n: _counts(results.results.groups(n)) for n in shared})
            # A facet whose own filter is active is counted without it, so the other values stay offered.
            for name in FACET_FIELDS:
                own_filter = filter_for(exclude=name) if name in active else None
                if name in active and _may_match(own_filter):
                    own = searcher.search(
                        text_query, limit=1, scored=False, filter=own_filter,
                        groupedby={name: sorting.FieldFacet(name, maptype=sorting.Count)},
                    )
                    facets[name] = _counts(own.groups(name))
            if total < SUGGEST_BELOW and exact_tokens and _may_match(main_filter):
                suggestion = self._suggest(searcher, exact_tokens, main_filter, teacher_fields)
        return Results(total=total, items=items, facets=facets, suggestion=suggestion, page=page,
                       per_page=per_page)

    def _items(self, page) -> list[dict]:
        page.results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
        page.results.formatter = _MarkFormatter()
        items = []
        for hit in page:
            source = hit.get("snippet_src") or ""
            snippet = hit.highlights("body_f", text=source, top=2) if source else ""
            if not snippet:
                snippet = html.escape(_opening(source), quote=False)
            obj_id = hit["obj_id"]
            items.append({
                "type": hit["type"],
                "id": int(obj_id) if obj_id.isdigit() else obj_id,
                "title": hit.get("title") or "",
                "snippet": snippet,
                "score": round(float(hit.score or 0.0), 4),
            })
        return items

    def _suggest(self, searcher, exact_tokens, allow_set, teacher_fields) -> str | None:
        """Replace syllables that match nothing with their nearest indexed spelling.

        A syllable typed with diacritics is corrected against the exact fields, one typed without against
        the folded ones, so the suggestion keeps the caller's way of typing. The corrected query is only
        offered if it finds something the caller may see: the corrector reads the whole index, and a
        suggestion must not reveal words of documents hidden from the caller.
        """
        reader = searcher.reader()
        corrected, changed = [], False
        for token in exact_tokens:
            plain = fold(token) == token
            fields = ("title_f", "body_f") if plain else ("title", "body")
            term = fold(token) if plain else token
            if any(reader.doc_frequency(f, term) for f in fields):
                corrected.append(token)
                continue
            best = None
            for name in fields:
                found = searcher.corrector(name).suggest(term, limit=1, maxdist=1 if len(term) <= 4 else 2)
                if found and (best is None or reader.doc_frequency(name, found[0]) > best[1]):
                    best = (found[0], reader.doc_frequency(name, found[0]))
            corrected.append(best[0] if best else token)
            changed = changed or best is not None
        if not changed:
            return None
        check = searcher.search(_text_query(corrected, teacher_fields), limit=1, filter=allow_set)
        return " ".join(corrected) if len(check) else None

    def doc_versions(self) -> dict[str, str]:
        """Return ``{doc_key: updated_at}`` for every indexed document, for reconciliation with the database."""
        with self._read_lock:
            reader = self._current_searcher().reader()
            if reader.doc_count_all() == 0:
                # A new or cleared index has no segment, and whoosh's EmptyReader has no column readers.
                return {}
            keys = reader.column_reader("doc_key")
            stamps = reader.column_reader("updated_at")
            return {keys[n]: stamps[n] for n in reader.all_doc_ids()}

    def doc_count(self) -> int:
        """Return the number of live documents."""
        with self._read_lock:
            return self._current_searcher().doc_count()


def _may_match(filter_set) -> bool:
    # whoosh treats a falsy filter as "no filter"; an empty allowed set must mean "nothing", never "everything".
    return filter_set is None or len(filter_set) > 0


def _unique(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def _text_query(exact_tokens: list[str], teacher_fields: bool):
    if not exact_tokens:
        return Every()
    folded = _unique(fold(t) for t in exact_tokens)
    required = []
    for term in folded:
        options = [Term("title_f", term, boost=_W_FOLDED_TITLE), Term("body_f", term, boost=_W_FOLDED_BODY)]
        if teacher_fields:
            options.append(Term("teacher_only_f", term, boost=_W_TEACHER))
        required.append(Or(options))
    bonus = []
    for term in exact_tokens:
        bonus += [Term("title", term, boost=_W_EXACT_TITLE), Term("body", term, boost=_W_EXACT_BODY)]
        if teacher_fields:
            bonus.append(Term("teacher_only", term, boost=_W_TEACHER))
    bonus += [Term("bigrams", b, boost=_W_BIGRAM) for b in bigrams([fold(t) for t in exact_tokens])]
    return AndMaybe(required[0] if len(required) == 1 else And(required), Or(bonus))


def _counts(groups: Mapping) -> dict[str, int]:
    counts = {str(k): int(v) for k, v in groups.items() if k not in (None, "", b"")}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _opening(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > 0 else SNIPPET_CHARS] + " …"
