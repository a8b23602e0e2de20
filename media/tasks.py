"""Background jobs of media: processing one asset, and the periodic reconciler.

Jobs take ids and are idempotent; the job runner commits once (the bodies only flush).
"""
from __future__ import annotations

import logging

from lms.core.jobs import jobs

from . import pipeline

log = logging.getLogger(__name__)


@jobs.task(retries=pipeline.MAX_ATTEMPTS - 1, retry_delay=5)
def process_media(asset_id: int) -> None:
    """Probe/transcode/preview asset ``asset_id``; transient errors raise so huey retries."""
    pipeline.process(asset_id)


@jobs.periodic(minute="*/10")
def reconcile_media() -> None:
    """Restart processing lost with a crashed worker; remove uploads nobody used within a day."""
    counts = pipeline.reconcile()
    if any(counts.values()):
        log.info("media reconciler: %s", counts)
