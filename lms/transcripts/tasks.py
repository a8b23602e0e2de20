"""The class transcript job: built outside the request, progress on the batch row."""
from __future__ import annotations

from lms.core.db import db
from lms.core.jobs import jobs


@jobs.task(retries=0)
def build_class_transcripts(batch_id: int) -> None:
    """Build a batch; a failure is written on the batch (the page shows it) rather than lost."""
    from . import services
    from .models import TranscriptBatch

    batch = db.session.get(TranscriptBatch, batch_id)
    if batch is None or batch.status == "done":
        return
    try:
        services.run_batch(batch)
    except Exception as exc:  # recorded for the user, then re-raised so the worker logs it
        db.session.rollback()
        batch = db.session.get(TranscriptBatch, batch_id)
        batch.status, batch.error = "failed", str(getattr(exc, "detail", "") or type(exc).__name__)[:500]
        db.session.commit()
        raise
