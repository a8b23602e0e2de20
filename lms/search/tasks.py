"""Background jobs of search: index one changed object, and reconcile the whole index periodically."""
from __future__ import annotations

import logging

from lms.core.jobs import jobs

from . import reconcile as reconciliation
from . import service

log = logging.getLogger(__name__)


@jobs.task(retries=3, retry_delay=5)
def index_object(type_: str, obj_id: int) -> None:
    """Bring the document of one lecture or question in line with its row (upsert, or delete if gone).

    Idempotent and order-insensitive: it reads the row as it is when the job runs, so retries and jobs
    that run late never index an old state. If the index stays locked by another process past the
    writer timeout, ``IndexBusyError`` propagates and the queue retries.
    """
    change = service.index_objects(type_, [obj_id])
    log.debug("search index %s:%s upserted %d deleted %d", type_, obj_id, change.upserted, change.deleted)


@jobs.periodic(minute="*/30")
def reconcile_index() -> None:
    """Every 30 minutes: repair documents a lost enqueue or a crash left missing, stale or orphaned."""
    report = reconciliation.reconcile()
    if report.changed:
        log.info("search reconcile: %s", report.summary())
