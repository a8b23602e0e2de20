"""The whoosh backend's index: writes under a per-directory lock, searches on cached bitmasks.

Single-node by design: the index is files in ``LMS_DATA_DIR/search``, written by whichever process ran the
indexing job, so another machine never sees them (``lms.search.init_app`` refuses whoosh with a shared
job queue unless ``SEARCH_ALLOW_LOCAL_INDEX`` says the operator knows).
"""
from __future__ import annotations

import html
import os
import threading
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping

from whoosh import highlight, index, writing
from whoosh.index import LockError

from lms.search.analysis import fold, matched_folded_tokens, query_tokens
from lms.search.backends import SearchBackend
from lms.search.documents import (
    FACET_FIELDS,
    MAX_QUERY_TOKENS,
    SNIPPET_CHARS,
    SUGGEST_BELOW,
    Allow,
    Results,
    check_paging,
    escaped_opening,
    sorted_counts,
)

from .docsets import DocSets
from .schemas import build_schema, to_fields
from .writers import FastSegmentWriter

# One lock per index directory per process: two SearchIndex objects on the same path (web app and an
# in-process worker thread) must queue on it rather than race for whoosh's file lock.
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def _write_lock_for(path: str) -> threading.Lock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(os.path.realpath(path), threading.Lock())


class IndexBusyError(RuntimeError):
    """Another process held the index's write lock for longer than the writer timeout."""



class _MarkFormatter(highlight.Formatter):
    """Snippet HTML: everything escaped, matched words wrapped in ``<mark>``."""

    between = " … "

    def _text(self, text):
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return "<mark>" + self._text(highlight.get_text(text, token, replace)) + "</mark>"



class SearchIndex(SearchBackend):
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
        self._sets: DocSets | None = None
        # (segment id, deleted count) -> _Segment; survives refreshes, pruned to the live segments.
        self._segments: dict = {}

    # -- writing -------------------------------------------------------------------------------------

    def _writer(self):
        try:
            return FastSegmentWriter(self._ix, timeout=self.lock_timeout, delay=0.05)
        except LockError as exc:
            raise IndexBusyError(f"search index {self.path} stayed locked for {self.lock_timeout}s") from exc

    def upsert(self, docs: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents (matched by ``doc_key``); returns how many were written.

        Every document is validated before the writer is opened, so a bad one writes nothing.
        """
        prepared = [to_fields(d) for d in docs]
        if not prepared:
            return 0
        with self._write_lock:
            writer = self._writer()
            try:
                _replace(writer, prepared)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        return len(prepared)

    @contextmanager
    def bulk(self, *, replace: bool = False) -> Iterator["_BulkWriter"]:
        """One writer, one commit, for many batches (see :meth:`SearchBackend.bulk`).

        Every batch goes into the same new segment, committed when the block ends (cancelled if it raises):
        many commits would each write a segment and merge the small ones, re-posting every document
        through whoosh's slow merge path. With ``replace`` the old segments are dropped at that commit, so
        searches see the old index until the new one is complete. The write lock is held throughout:
        indexing jobs meanwhile wait (``lock_timeout``) and are retried by the queue.
        """
        with self._write_lock:
            writer = self._writer()
            try:
                yield _BulkWriter(writer, replace)
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=writing.CLEAR if replace else None)

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
            self._sets = DocSets(self._searcher, self._segments)
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
        check_paging(page, per_page)
        exact_tokens = query_tokens(q)[:MAX_QUERY_TOKENS]
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
                facets[name] = sorted_counts(sets.facet_counts(name, scope))
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
                snippet = escaped_opening(source)
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



class _BulkWriter:
    """The ``upsert`` of :meth:`SearchIndex.bulk`: documents go into the open writer."""

    def __init__(self, writer, replace: bool):
        self._writer = writer
        self._replace = replace

    def upsert(self, docs: Iterable[Mapping[str, Any]]) -> int:
        prepared = [to_fields(d) for d in docs]
        if self._replace:
            # Every old segment is dropped at the commit: there is nothing to delete first.
            for fields in prepared:
                self._writer.add_document(**fields)
        else:
            _replace(self._writer, prepared)
        return len(prepared)


def _replace(writer, prepared: list[dict]) -> None:
    """Add each document, deleting the committed one with the same ``doc_key`` (whoosh's update_document)."""
    for fields in prepared:
        writer.update_document(**fields)


def _any_in(words, text: str) -> bool:
    return any(w in text for w in words)

