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

import heapq
import html
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from whoosh import highlight, index, writing
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.query import And, NullQuery, Or, Term
from whoosh.util.numeric import byte_to_length

from lms.search.analysis import (
    bigram_analyzer,
    bigrams,
    clean_text,
    exact_analyzer,
    fold,
    folded_analyzer,
    matched_folded_tokens,
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

#: Global doc-id masks kept per searcher (terms, Allow filters, facet values); emptied at each refresh.
_MASK_CACHE_SIZE = 1024
#: Posting lists kept per segment; a segment is immutable, so these survive commits that do not touch it.
_SEGMENT_TERM_CACHE_SIZE = 2048
#: Hits are split into 2**_SPLIT_TERMS groups by the terms with the highest score bounds (see top()).
_SPLIT_TERMS = 4
_SPLIT_ABOVE = 2000

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
        self._sets: _DocSets | None = None
        # (segment id, deleted count) -> _Segment; survives refreshes, pruned to the live segments.
        self._segments: dict = {}

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
            self._sets = _DocSets(self._searcher, self._segments)
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
            self._sets = None
            self._segments.clear()

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
        active = {
            name: str(value)
            for name, value in (("type", type), ("subject", subject), ("grade", grade), ("level", level),
                                ("status", status), ("qtype", qtype))
            if value not in (None, "")
        }

        with self._read_lock:
            searcher = self._current_searcher()
            sets = self._sets
            # Everything is counted on doc-id bitmasks (Python ints: AND, OR and popcount run in C), so
            # totals and facets cost a few big-int operations however many documents match; only the
            # documents that pass every filter are scored, and only their top page is loaded.
            allowed = sets.allow(allow)
            matched = sets.required(exact_tokens, teacher_fields) & allowed
            filters = {n: sets.term(n, v) for n, v in active.items()}
            main_filter = allowed
            for mask in filters.values():
                main_filter &= mask
            hits = matched & main_filter
            total = hits.bit_count()
            facets = {}
            for name in FACET_FIELDS:
                scope = hits
                if name in active:
                    # A facet whose own filter is active is counted without it, so the other values stay offered.
                    scope = matched
                    for other, mask in filters.items():
                        if other != name:
                            scope &= mask
                facets[name] = _counts(sets.facet_counts(name, scope))
            items = []
            if (page - 1) * per_page < total:
                ranked = sets.top(hits, exact_tokens, teacher_fields, page * per_page)
                items = self._items(searcher, ranked[(page - 1) * per_page:], sets.matched_words(hits, exact_tokens))
            suggestion = None
            if total < SUGGEST_BELOW and exact_tokens and main_filter:
                suggestion = self._suggest(searcher, exact_tokens, main_filter, teacher_fields)
        return Results(total=total, items=items, facets=facets, suggestion=suggestion, page=page,
                       per_page=per_page)

    def _items(self, searcher, ranked, words) -> list[dict]:
        # The same snippets whoosh's Hit.highlights() makes for body_f without character positions:
        # re-analyse the stored source, mark the query's folded terms that matched in any hit's body.
        highlighter = highlight.Highlighter(
            fragmenter=highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60),
            formatter=_MarkFormatter(),
        )
        items = []
        for docnum, score in ranked:
            stored = searcher.stored_fields(docnum)
            source = stored.get("snippet_src") or ""
            snippet = ""
            # A token can only match if its text occurs in the folded source; most bodies are skipped here.
            if source and words and _any_in(words, fold(source.lower())):
                tokens = highlighter._merge_matched_tokens(matched_folded_tokens(source, words))
                fragments = highlighter.fragmenter.fragment_tokens(source, tokens)
                fragments = highlight.top_fragments(fragments, 2, highlighter.scorer, highlighter.order, minscore=1)
                snippet = highlighter.formatter.format(fragments)
            if not snippet:
                snippet = html.escape(_opening(source), quote=False)
            obj_id = stored["obj_id"]
            items.append({
                "type": stored["type"],
                "id": int(obj_id) if obj_id.isdigit() else obj_id,
                "title": stored.get("title") or "",
                "snippet": snippet,
                "score": round(float(score or 0.0), 4),
            })
        return items

    def _suggest(self, searcher, exact_tokens, allowed_mask, teacher_fields) -> str | None:
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
        found = self._sets.required(corrected, teacher_fields) & allowed_mask
        return " ".join(corrected) if found else None

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


def _unique(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def _scored_terms(exact_tokens: list[str], teacher_fields: bool) -> list[tuple[str, str, float]]:
    """Return the ``(field, text, boost)`` terms whose BM25F scores add up to a document's score.

    Every syllable must match a folded field (recall); the exact fields and the bigram field only add
    score, so the same words with the caller's diacritics, and the caller's two-syllable words, rank
    first. A document's score is the sum over the terms it contains, as whoosh's
    ``AndMaybe(And(Or(folded...)...), Or(exact... bigrams...))`` would score it.
    """
    terms = []
    for term in _unique(fold(t) for t in exact_tokens):
        terms += [("title_f", term, _W_FOLDED_TITLE), ("body_f", term, _W_FOLDED_BODY)]
        if teacher_fields:
            terms.append(("teacher_only_f", term, _W_TEACHER))
    for term in exact_tokens:
        terms += [("title", term, _W_EXACT_TITLE), ("body", term, _W_EXACT_BODY)]
        if teacher_fields:
            terms.append(("teacher_only", term, _W_TEACHER))
    terms += [("bigrams", b, _W_BIGRAM) for b in bigrams([fold(t) for t in exact_tokens])]
    return terms


# Bit positions set in each byte value, to turn a mask into doc numbers one byte at a time.
_BIT_POSITIONS = tuple(tuple(j for j in range(8) if byte >> j & 1) for byte in range(256))


def _mask_of(docnums: Iterable[int], size: int) -> int:
    bits = bytearray((size >> 3) + 1)
    for d in docnums:
        bits[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(bits, "little")


def _docnums(mask: int) -> list[int]:
    """Return the doc numbers set in ``mask``, ascending."""
    out: list[int] = []
    if mask <= 0:
        return out
    extend, positions = out.extend, _BIT_POSITIONS
    for i, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) >> 3, "little")):
        if byte:
            base = i << 3
            extend([base + j for j in positions[byte]])
    return out


class _Segment:
    """What one segment says about terms: cached postings. A segment's postings never change; deleting
    a document only marks it, so deleted documents are included here and masked out per searcher
    (editing one question must not throw away the warm postings of the 100,000-document segment).

    ``term()`` returns ``(mask, tfs, max_tf)``: the documents holding the term as a bitmask of segment doc
    numbers, their term frequencies where not 1 (scored fields only), and the largest of those. ``lengths()`` returns the
    field-length bytes whoosh stores per document (BM25F's ``fl``).
    """

    def __init__(self, size: int):
        self.size = size
        self.terms: OrderedDict = OrderedDict()
        self.length_bytes: dict[str, Any] = {}

    def term(self, reader, field_name: str, btext: bytes, scored: bool):
        key = (field_name, btext)
        found = self.terms.get(key)
        if found is not None:
            self.terms.move_to_end(key)
            return found
        mask, tfs = 0, {}
        if (field_name, btext) in reader:
            ids = _read_postings(reader.postings(field_name, btext), tfs if scored else None)
            mask = _mask_of(ids, self.size)
        found = self.terms[key] = (mask, tfs, max(tfs.values(), default=1.0))
        if len(self.terms) > _SEGMENT_TERM_CACHE_SIZE:
            self.terms.popitem(last=False)
        return found

    def lengths(self, reader, field_name: str):
        found = self.length_bytes.get(field_name)
        if found is None:
            column = reader._perdoc._cached_reader(f"_{field_name}_len", LENGTHS_COLUMN)
            found = column.load() if column is not None else bytes(self.size)
            self.length_bytes[field_name] = found
        return found


def _read_postings(matcher, tfs: dict | None) -> list[int]:
    """Return the doc numbers of a posting list (deleted ones included) and fill ``tfs`` with the term
    frequencies that are not 1. Reads whoosh 3 codec blocks whole - a tuple of ids and an array of
    weights per 128 postings - instead of three method calls per posting; other matchers go one by one."""
    # SegmentReader wraps the postings in a FilterMatcher dropping deleted documents; read past it.
    matcher = leaf = getattr(matcher, "child", matcher)
    ids: list[int] = []
    if all(hasattr(leaf, a) for a in ("_read_ids", "_read_weights", "_next_block", "_ids", "_weights")):
        while leaf.is_active():
            if leaf._ids is None:
                leaf._read_ids()
            block = leaf._ids
            ids.extend(block)
            if tfs is not None:
                if leaf._weights is None:
                    leaf._read_weights()
                weights = leaf._weights
                if any(w != 1 for w in weights):
                    tfs.update((d, w) for d, w in zip(block, weights) if w != 1)
            leaf._next_block()
        return ids
    while matcher.is_active():
        ids.append(matcher.id())
        if tfs is not None and matcher.weight() != 1:
            tfs[matcher.id()] = matcher.weight()
        matcher.next()
    return ids


class _DocSets:
    """Doc-id bitmasks over one searcher: term masks, Allow filters, facet values, and top-k scoring.

    Global doc numbers are a leaf reader's offset plus its segment doc number, as in whoosh, so masks of
    segments are shifted into place. Masks are cached here for this searcher only; postings are cached
    per segment (``segments``, shared across searchers and pruned to the live ones) so a commit that adds
    a small segment leaves the big segments' postings warm.
    """

    def __init__(self, searcher, segments: dict):
        self.searcher = searcher
        self.schema = searcher.schema
        self.leaves = []
        live_keys = set()
        for reader, offset in searcher.reader().leaf_readers():
            segment = reader.segment() if hasattr(reader, "segment") else None
            if segment is None:  # an empty or cleared index has no segment
                continue
            key = segment.segment_id()
            live_keys.add(key)
            if key not in segments:
                segments[key] = _Segment(reader.doc_count_all())
            alive = (1 << segments[key].size) - 1
            if reader.has_deletions():
                alive &= ~_mask_of(reader.deleted_docs_set, segments[key].size)
            self.leaves.append((reader, offset, segments[key], alive))
        for key in set(segments) - live_keys:
            del segments[key]
        self.masks: OrderedDict = OrderedDict()
        self.live = 0
        for _reader, offset, _segment, alive in self.leaves:
            self.live |= alive << offset
        weighting = searcher.weighting
        self.B, self.K1 = weighting.B, weighting.K1

    def _cached(self, key, compute):
        found = self.masks.get(key)
        if found is None:
            found = self.masks[key] = compute()
            if len(self.masks) > _MASK_CACHE_SIZE:
                self.masks.popitem(last=False)
        else:
            self.masks.move_to_end(key)
        return found

    def term(self, field_name: str, text: str) -> int:
        """Return the mask of live documents whose ``field_name`` holds ``text``."""
        def compute():
            try:
                btext = self.schema[field_name].to_bytes(text)
            except ValueError:
                return 0
            scored = self.schema[field_name].scorable
            mask = 0
            for reader, offset, segment, alive in self.leaves:
                part = segment.term(reader, field_name, btext, scored)[0] & alive
                if part:
                    mask |= part << offset
            return mask
        return self._cached(("term", field_name, text), compute)

    def allow(self, allow: Allow) -> int:
        """Return the mask of documents ``allow`` lets through (an OR of ANDs of ORs, as :meth:`Allow.to_query`)."""
        if allow.unrestricted:
            return self.live

        def compute():
            mask = 0
            for clause in allow.clauses:
                part = self.live
                for name, values in clause:
                    any_value = 0
                    for value in values:
                        any_value |= self.term(name, value)
                    part &= any_value
                mask |= part
            return mask
        return self._cached(("allow", allow.clauses), compute)

    def required(self, exact_tokens: list[str], teacher_fields: bool) -> int:
        """Return the mask of documents where every syllable occurs (folded) in a searched field."""
        if not exact_tokens:
            return self.live
        fields = ("title_f", "body_f") + (("teacher_only_f",) if teacher_fields else ())
        mask = self.live
        for term in _unique(fold(t) for t in exact_tokens):
            any_field = 0
            for name in fields:
                any_field |= self.term(name, term)
            mask &= any_field
            if not mask:
                break
        return mask

    def matched_words(self, hits: int, exact_tokens: list[str]) -> frozenset:
        """The folded query terms found in the body of at least one hit (what whoosh's terms=True reports)."""
        return frozenset(t for t in _unique(fold(t) for t in exact_tokens) if self.term("body_f", t) & hits)

    def facet_counts(self, name: str, scope: int) -> dict[str, int]:
        """Return ``{value: documents of scope with that value}`` for the indexed values of ``name``."""
        if not scope:
            return {}

        def compute():
            values = set()
            for reader, *_rest in self.leaves:
                values.update(reader.lexicon(name))
            return {v.decode("utf-8"): self.term(name, v.decode("utf-8")) for v in values}
        by_value = self._cached(("facet", name), compute)
        counts = ((value, (scope & mask).bit_count()) for value, mask in by_value.items())
        return {value: count for value, count in counts if count}

    def top(self, hits: int, exact_tokens: list[str], teacher_fields: bool, limit: int) -> list[tuple[int, float]]:
        """Return the ``limit`` best ``(docnum, score)`` of ``hits``: score descending, then doc number.

        Scores are whoosh's BM25F (same idf, average field length, stored field lengths and boosts), summed
        over the query terms each document holds. Not every hit is scored: the hits are split by which of
        the few highest-scoring terms they hold, each group has an upper bound, and groups are scored best
        bound first until no remaining group can reach the ``limit``-th score (exact, like MaxScore).
        """
        if not exact_tokens:
            # A blank query lists everything visible in index order, every document scoring 1.0 (Every()).
            return [(d, 1.0) for d in _docnums_first(hits, limit)]
        searcher, B, K1 = self.searcher, self.B, self.K1
        prepared = []
        for name, text, boost in _scored_terms(exact_tokens, teacher_fields):
            mask = self.term(name, text) & hits
            if not mask:
                continue
            btext = self.schema[name].to_bytes(text)
            idf = searcher.idf(name, text)
            avgfl = searcher.avg_field_length(name) or 1
            max_tf = max((segment.term(reader, name, btext, True)[2]
                          for reader, _offset, segment, _alive in self.leaves), default=1.0)
            # bm25 grows with tf and shrinks with the field length, so tf = max, length = 0 bounds it.
            bound = _bm25(idf, max(max_tf, 1.0), 0, avgfl, B, K1, boost)
            prepared.append((name, btext, boost, idf, avgfl, mask, bound))
        ranked = sorted(range(len(prepared)), key=lambda i: -prepared[i][6])
        # Each group costs a pass over segments and terms; a few thousand hits are cheaper scored at once.
        split = _SPLIT_TERMS if hits.bit_count() > _SPLIT_ABOVE else 0
        splitters, others = ranked[:split], ranked[split:]
        rest = sum(prepared[i][6] for i in others)
        groups = [(hits, rest)]
        for i in splitters:
            mask, bound = prepared[i][5], prepared[i][6]
            groups = [g for group, total in groups
                      for g in ((group & mask, total + bound), (group & ~mask, total)) if g[0]]
        groups.sort(key=lambda g: -g[1])
        best: list = []
        for group, bound in groups:
            # Keys are scores rounded to 9 places; a bound this far below the worst kept key cannot tie it.
            if len(best) >= limit and bound < best[0][0] - 1e-6:
                break
            for item in self._score(group, prepared):
                if len(best) < limit:
                    heapq.heappush(best, item)
                elif item > best[0]:
                    heapq.heapreplace(best, item)
        best.sort(reverse=True)
        return [(-neg_docnum, score) for _key, neg_docnum, score in best]

    def _score(self, group: int, prepared) -> list[tuple[float, int, float]]:
        B, K1 = self.B, self.K1
        scored: list[tuple[float, int, float]] = []
        for reader, offset, segment, _alive in self.leaves:
            local = (group >> offset) & ((1 << segment.size) - 1)
            if not local:
                continue
            scores: dict[int, float] = {}
            get = scores.get
            for name, btext, boost, idf, avgfl, _mask, _bound in prepared:
                mask, tfs, _max_tf = segment.term(reader, name, btext, True)
                common = local & mask
                if not common:
                    continue
                lengths = segment.lengths(reader, name)
                # bm25() of whoosh.scoring, and the boost applied after it as WrappingMatcher does; with
                # term frequency 1 the score depends only on the length byte, so it is tabled per byte.
                by_byte: dict[int, float] = {}
                for d in _docnums(common):
                    tf = tfs.get(d)
                    if tf is None:
                        lbyte = lengths[d]
                        value = by_byte.get(lbyte)
                        if value is None:
                            value = by_byte[lbyte] = _bm25(idf, 1.0, byte_to_length(lbyte), avgfl, B, K1, boost)
                    else:
                        value = _bm25(idf, tf, byte_to_length(lengths[d]), avgfl, B, K1, boost)
                    scores[d] = get(d, 0.0) + value
            # Sums taken in another order than whoosh's matcher tree differ in the last bits; rounding the
            # sort key keeps equal scores equal, so ties fall back to doc number as in whoosh.
            scored += [(round(s, 9), -(offset + d), s) for d, s in scores.items()]
        return scored


def _any_in(words, text: str) -> bool:
    return any(w in text for w in words)


def _bm25(idf, tf, fl, avgfl, B, K1, boost):
    score = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
    return score if boost == 1.0 else score * boost


def _docnums_first(mask: int, limit: int) -> list[int]:
    out: list[int] = []
    positions = _BIT_POSITIONS
    for i, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) >> 3, "little")):
        if byte:
            base = i << 3
            for j in positions[byte]:
                out.append(base + j)
                if len(out) == limit:
                    return out
    return out


def _counts(groups: Mapping) -> dict[str, int]:
    counts = {str(k): int(v) for k, v in groups.items() if k not in (None, "", b"")}
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _opening(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > 0 else SNIPPET_CHARS] + " …"
