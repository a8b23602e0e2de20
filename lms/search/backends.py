"""The search port: what ``lms.search.service`` asks of an index, whichever backend keeps it.

Two backends implement it, chosen by ``SEARCH_BACKEND``:

* ``whoosh`` (:mod:`lms.search.whoosh_backend`) - files under ``LMS_DATA_DIR/search``, written by the
  indexing job after commit. Embedded and single-node by design: another machine cannot see the files.
* ``postgres`` (:mod:`lms.search.postgres_backend`) - rows of ``search_documents`` written in the same
  transaction as the change they index, so every node sees a change at its commit and a crash loses nothing.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping

from .documents import Allow, Results

BACKENDS = ("whoosh", "postgres")


class SearchBackend(ABC):
    """One search index of lectures and questions (see :mod:`lms.search.documents` for the shapes)."""

    #: ``True`` when writes join the caller's database transaction (and become visible at its commit);
    #: ``False`` when they are committed to the index on the spot (and so must run after the database commit).
    transactional: bool = False

    @abstractmethod
    def upsert(self, docs: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents (matched by ``doc_key``); a bad document writes nothing."""

    @abstractmethod
    def delete(self, keys: Iterable[str]) -> int:
        """Delete documents by ``doc_key``; unknown keys are ignored. Returns how many were deleted."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document."""

    @contextmanager
    def bulk(self, *, replace: bool = False) -> Iterator[Any]:
        """Write many batches (a rebuild): yields an object whose ``upsert(docs)`` takes each batch.

        ``replace``: the documents written replace the whole index. Here (the database backend) every
        batch is written at once into the caller's transaction, so a rebuild commits batch by batch; the
        whoosh backend keeps one writer open and commits once, when the block ends.
        """
        if replace:
            self.clear()
        yield self

    @abstractmethod
    def search(self, q: str | None, *, allow: Allow, type: str | None = None, subject: str | None = None,
               grade: str | int | None = None, level: str | None = None, status: str | None = None,
               qtype: str | None = None, page: int = 1, per_page: int = 20,
               teacher_fields: bool = False) -> Results:
        """Search ``q`` (plain text, no query syntax) among what ``allow`` lets through.

        Diacritics-insensitive: every syllable must match with or without its marks; exact-diacritic
        matches, title matches and adjacent syllables (the caller's two-syllable words) rank higher. Blank
        ``q`` lists everything visible. ``teacher_fields`` also searches teacher-only text, which snippets
        never show. Raises ``ValueError`` for a page below 1 or ``per_page`` outside 1..100.
        """

    @abstractmethod
    def doc_versions(self) -> dict[str, str]:
        """Return ``{doc_key: updated_at}`` for every indexed document (reconciliation)."""

    @abstractmethod
    def doc_count(self) -> int:
        """Return the number of documents."""

    def refresh(self) -> None:
        """Pick up other writers' commits now rather than at the next search (no-op where always current)."""

    def close(self) -> None:
        """Release what the backend holds open (files, searchers)."""


def default_backend(database_url: str) -> str:
    """``postgres`` on PostgreSQL (shared by every node), ``whoosh`` on SQLite (the embedded default)."""
    return "postgres" if database_url.startswith("postgresql") else "whoosh"
