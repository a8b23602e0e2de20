"""The app's one search index (the ``SEARCH_BACKEND``) and the operations routes, jobs and commands run on it.

``whoosh``: files in ``LMS_DATA_DIR/search``, opened on first use (a worker that never searches never opens
them), once per app, closed at interpreter exit; a change is indexed by a job after its transaction commits.
``postgres``: rows in the app's database; a change is indexed just before its transaction commits, in it
(see :func:`changed`). What gets indexed comes only from the owning features' ``api.py``
(``index_documents`` and ``search_allow_clauses``); this module never reads their tables.
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
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.core.db import db

from .backends import SearchBackend
from .documents import TYPES, Results, doc_key
from .permissions import allow_for, may_search_teacher_fields

#: Documents read and written per batch in rebuilds and reconciliations (the database backend commits each
#: batch; a whoosh rebuild commits once): one batch of documents stays a few MB in memory.
BATCH_SIZE = 1000

_EXTENSION = "lms_search_index"
_OPEN_GUARD = threading.Lock()
#: session.info key: {type: {ids}} changed in the current transaction, indexed before it commits (postgres).
_PENDING = "lms_search_pending"


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


def open_backend(app: Flask) -> SearchBackend:
    """Return a new index of the app's ``SEARCH_BACKEND``."""
    name = app.config.get("SEARCH_BACKEND") or "whoosh"
    if name == "postgres":
        from .postgres_backend import PostgresIndex

        return PostgresIndex(app)
    if name == "whoosh":
        from .whoosh_backend import SearchIndex

        return SearchIndex(index_path(app))
    raise ValueError(f"unknown SEARCH_BACKEND {name!r}")


def get_index(app: Flask | None = None) -> SearchBackend:
    """Return the app's search index, opening it on first use (thread-safe)."""
    app = app or current_app._get_current_object()
    index = app.extensions.get(_EXTENSION)
    if index is None:
        with _OPEN_GUARD:
            index = app.extensions.get(_EXTENSION)
            if index is None:
                index = open_backend(app)
                app.extensions[_EXTENSION] = index
                # Whoosh searchers hold file handles; release them cleanly when the process ends.
                atexit.register(index.close)
    return index


def changed(type_: str, obj_id: int) -> None:
    """Bring the index in line with a lecture or question that changed in the current transaction.

    ``postgres``: remembered on the session and indexed in :func:`_index_before_commit`, inside the same
    transaction (later changes in that transaction are included; a rollback drops both). ``whoosh``: a job
    queued for after the commit (a rollback drops it).
    """
    if get_index().transactional:
        db.session.info.setdefault(_PENDING, {}).setdefault(type_, set()).add(obj_id)
    else:
        from .tasks import index_object

        index_object.enqueue(type_, obj_id)


@event.listens_for(Session, "before_commit")
def _index_before_commit(session):
    # Runs for every session; only sessions that saw a change of an indexed object have pending ids. Reading
    # through the session autoflushes, so the documents reflect everything done before the commit.
    pending = session.info.pop(_PENDING, None)
    while pending:
        for type_, ids in pending.items():
            index_objects(type_, sorted(ids))
        # Indexing only reads and writes index rows, but take anything a reader triggered in the same commit.
        pending = session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_PENDING, None)


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


def commit_batch(index: SearchBackend) -> None:
    """End a batch of a rebuild or reconciliation: in the database backend, commit it, so a long run holds
    no long transaction and a crash keeps the batches done (whoosh commits each write itself)."""
    if index.transactional:
        db.session.commit()


def rebuild(*, batch_size: int = BATCH_SIZE, progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Index every lecture and question again; returns ``{type: count}``.

    ``whoosh``: one writer builds a new index and replaces the old one at its single commit (searches see
    the old index until then). ``postgres``: every row is recomputed in place, batch by batch (searches
    keep finding everything meanwhile), then rows of objects that are gone are deleted.
    ``progress(type, count_so_far)`` is called after each batch (the CLI prints it).
    """
    index = get_index()
    in_place = index.transactional
    counts, seen = {}, set()
    with index.bulk(replace=not in_place) as writer:
        for type_ in TYPES:
            counts[type_] = 0
            for batch in iter_batches(type_, batch_size):
                counts[type_] += writer.upsert(batch)
                seen.update(doc_key(type_, d["obj_id"]) for d in batch)
                commit_batch(index)
                if progress is not None:
                    progress(type_, counts[type_])
    if in_place:
        index.delete(set(index.doc_versions()) - seen)
        commit_batch(index)
    return counts
