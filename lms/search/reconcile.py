"""Reconciliation: make the index match the database without rebuilding it.

A document is *missing* when its object exists but is not indexed (a lost enqueue), *stale* when the
indexed ``updated_at`` differs from the row's (a job that failed for good), and *extra* when it is indexed
but its object is gone or no longer indexable (a deleted row whose job never ran).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lms.search.documents import TYPES, doc_key

from . import service


@dataclass
class ReconcileReport:
    """The document keys fixed, by kind."""

    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.missing or self.stale or self.extra)

    def summary(self) -> str:
        """One line for logs and the CLI, e.g. ``missing 2, stale 1, extra 0``."""
        return f"missing {len(self.missing)}, stale {len(self.stale)}, extra {len(self.extra)}"


def reconcile(*, batch_size: int = service.BATCH_SIZE) -> ReconcileReport:
    """Compare every indexed version with the database and upsert or delete what differs.

    Reads each feature's documents once (streamed in batches) and the index's ``{doc_key: updated_at}``
    once; only the documents that differ are written.
    """
    index = service.get_index()
    indexed = index.doc_versions()
    report = ReconcileReport()
    seen: set[str] = set()
    # One writer for every batch (whoosh: one commit, not one segment per batch; postgres: a commit per batch).
    with index.bulk() as writer:
        for type_ in TYPES:
            for batch in service.iter_batches(type_, batch_size):
                to_write = []
                for doc in batch:
                    key = doc_key(type_, doc["obj_id"])
                    seen.add(key)
                    if key not in indexed:
                        report.missing.append(key)
                    elif service.stamp(indexed[key]) != doc["updated_at"]:
                        report.stale.append(key)
                    else:
                        continue
                    to_write.append(doc)
                writer.upsert(to_write)
                service.commit_batch(index)
    report.extra = sorted(set(indexed) - seen)
    index.delete(report.extra)
    service.commit_batch(index)
    return report
