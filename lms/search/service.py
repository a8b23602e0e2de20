"""The app's one search index and the operations routes, jobs and commands run on it.

The index lives in ``LMS_DATA_DIR/search`` and is opened on first use (a worker that never searches never
opens it), once per app, and closed at interpreter exit. What gets indexed comes only from the owning
features' ``api.py`` (``index_documents`` and ``search_allow_clauses``); this module never reads their tables.
"""
from __future__ import annotations

import atexit
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from types import ModuleType
from typing import Callable, Iterable, Iterator

from flask import Flask, current_app

from lms.search.engine import TYPES, Results, SearchIndex, doc_key

from .permissions import allow_for, may_search_teacher_fields

#: Documents per index commit in rebuilds and reconciliations: large enough that whoosh's per-commit
#: segment cost is amortised, small enough that one batch of documents stays a few MB in memory.
BATCH_SIZE = 1000

_EXTENSION = "lms_search_index"
_OPEN_GUARD = threading.Lock()


def sources() -> dict[str, ModuleType]:
    """Return ``{type: module}`` for every indexed type; each module offers ``index_documents(ids=None)``
    and ``search_allow_clauses(user)`` (the owning feature's public api)."""
    from question_bank import api as question_api

    from lms.lectures import api as lectures_api

    return {"lecture": lectures_api, "question": question_api}


def index_path(app: Flask | None = None) -> str:
    """Return the directory of the app's search index."""
    app = app or current_app
    return os.path.join(app.config["LMS_DATA_DIR"], "search")


def get_index(app: Flask | None = None) -> SearchIndex:
    """Return the app's :class:`SearchIndex`, opening it on first use (thread-safe)."""
    app = app or current_app._get_current_object()
    index = app.extensions.get(_EXTENSION)
    if index is None:
        with _OPEN_GUARD:
            index = app.extensions.get(_EXTENSION)
            if index is None:
                index = SearchIndex(index_path(app))
                app.extensions[_EXTENSION] = index
                # Searchers hold file handles; release them cleanly when the process ends.
                atexit.register(index.close)
    return index


def close_index(app: Flask | None = None) -> None:
    """Close the app's index if it was opened (it reopens on next use)."""
    app = app or current_app._get_current_object()
    index = app.extensions.pop(_EXTENSION, None)
    if index is not None:
        index.close()


def search(user, *, q: str | None = None, page: int = 1, per_page: int = 20, **filters) -> Results:
    """Search what ``user`` may see. ``filters``: type, subject, grade, level, status (``None`` = any).

    Totals, pages and facets are computed under the user's permission filter inside the engine, so a
    count never reveals a hidden document.
    """
    return get_index().search(
        q, allow=allow_for(user, sources()), page=page, per_page=per_page,
        teacher_fields=may_search_teacher_fields(user),
        **{k: v for k, v in filters.items() if v not in (None, "")},
    )


def stamp(value) -> str:
    """Normalise an ``updated_at`` (datetime or ISO string) to a UTC ISO string for comparison.

    PostgreSQL hands back the session's time zone and SQLite UTC; the same instant must compare equal.
    """
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()


def _prepared(type_: str, docs: Iterable[dict]) -> Iterator[dict]:
    for doc in docs:
        if doc.get("type") != type_:
            raise ValueError(f"{type_} source produced a document of type {doc.get('type')!r}")
        # One stamp format in the index, whatever the database driver returned.
        yield {**doc, "updated_at": stamp(doc.get("updated_at"))}


@dataclass
class IndexChange:
    """What one indexing call did."""

    upserted: int = 0
    deleted: int = 0


def index_objects(type_: str, ids: Iterable) -> IndexChange:
    """Re-read the objects ``ids`` of ``type_`` and upsert them, or delete those that are gone.

    Idempotent: the database row decides, so a job that runs twice (or late, after a newer change) leaves
    the index matching the current row. An object the feature no longer yields (deleted) is removed.
    """
    if type_ not in TYPES:
        raise ValueError(f"unknown document type {type_!r}")
    ids = list(dict.fromkeys(ids))
    if not ids:
        return IndexChange()
    docs = list(_prepared(type_, sources()[type_].index_documents(ids)))
    found = {str(d["obj_id"]) for d in docs}
    index = get_index()
    upserted = index.upsert(docs)
    deleted = index.delete(doc_key(type_, i) for i in ids if str(i) not in found)
    return IndexChange(upserted=upserted, deleted=deleted)


def iter_batches(type_: str, batch_size: int = BATCH_SIZE) -> Iterator[list[dict]]:
    """Yield every indexable document of ``type_`` in lists of at most ``batch_size``."""
    batch: list[dict] = []
    for doc in _prepared(type_, sources()[type_].index_documents(None)):
        batch.append(doc)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild(*, batch_size: int = BATCH_SIZE, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Empty the index and index every lecture and question again; returns ``{type: count}``.

    ``progress(type, count_so_far)`` is called after each committed batch (the CLI prints it).
    """
    index = get_index()
    index.clear()
    counts = {}
    for type_ in TYPES:
        counts[type_] = 0
        for batch in iter_batches(type_, batch_size):
            counts[type_] += index.upsert(batch)
            if progress is not None:
                progress(type_, counts[type_])
    return counts
