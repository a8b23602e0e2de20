"""Outbound delivery of score changes to the school's system (transactional outbox).

Each score change writes an ``OutboxEvent`` in the same transaction as the change, so a change is never
lost and never announced when it was rolled back. After the commit a job POSTs the due events to
``GRADEBOOK_WEBHOOK_URL``; a periodic job retries failures with exponential backoff. Each request carries
``Idempotency-Key`` (stable per event) and ``X-Signature`` (hex HMAC-SHA256 of the body with
``GRADEBOOK_WEBHOOK_SECRET``). An event marked delivered is never sent again; a crash between the
receiver's 2xx and our commit can repeat one, which the Idempotency-Key lets the receiver drop.

Config: ``GRADEBOOK_WEBHOOK_URL`` (unset: no events are written), ``GRADEBOOK_WEBHOOK_SECRET``,
``GRADEBOOK_WEBHOOK_TIMEOUT`` (seconds, default 10), ``GRADEBOOK_WEBHOOK_BACKOFF_SECONDS`` (first retry
delay, default 30; doubles up to ``MAX_BACKOFF``).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from lms.core.db import db, utcnow
from lms.core.jobs import jobs

from .models import OutboxEvent

log = logging.getLogger(__name__)

EVENT_SCORE_CHANGED = "score.changed"
#: Events handled per job run; bounds the work repeated if a worker dies mid-batch.
BATCH_SIZE = 50
#: Longest wait between two attempts of one event.
MAX_BACKOFF = timedelta(hours=6)


def enabled() -> bool:
    """True when a receiver is configured; without one, writing events would only pile them up."""
    return bool(current_app.config.get("GRADEBOOK_WEBHOOK_URL"))


def record_score_change(change, column) -> OutboxEvent | None:
    """Write the outbox event of one score change (same transaction) and schedule delivery after commit."""
    if not enabled():
        return None
    payload = {
        "event": EVENT_SCORE_CHANGED, "idempotency_key": change.idempotency_key,
        "class_id": column.class_id, "subject": column.subject_code, "semester": column.semester,
        "school_year": column.school_year,
        "column": {"id": column.id, "kind": column.kind, "title": column.title, "exam_id": column.exam_id},
        "student_id": change.student_id, "old_value": change.old_value, "new_value": change.new_value,
        "source": change.source, "changed_at": change.changed_at.isoformat(),
    }
    event = OutboxEvent(idempotency_key=change.idempotency_key, event_type=EVENT_SCORE_CHANGED, payload=payload,
                        attempts=0, next_attempt_at=change.changed_at)
    db.session.add(event)
    deliver_outbox.enqueue()
    return event


def body_of(event: OutboxEvent) -> bytes:
    """The exact bytes POSTed (and signed) for an event."""
    return json.dumps(event.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of ``body`` with ``secret``: the X-Signature header receivers check."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _post(url: str, event: OutboxEvent) -> None:
    body = body_of(event)
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": event.idempotency_key,
               "User-Agent": "HocLieuSo-Gradebook/1"}
    secret = current_app.config.get("GRADEBOOK_WEBHOOK_SECRET")
    if secret:
        headers["X-Signature"] = signature(body, secret)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    timeout = float(current_app.config.get("GRADEBOOK_WEBHOOK_TIMEOUT", 10))
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL is admin config)
        response.read(1024)


def backoff(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: base, 2·base, 4·base … capped at MAX_BACKOFF."""
    base = float(current_app.config.get("GRADEBOOK_WEBHOOK_BACKOFF_SECONDS", 30))
    return min(timedelta(seconds=base * (2 ** max(attempts - 1, 0))), MAX_BACKOFF)


def deliver_due(now: datetime | None = None) -> dict:
    """Send every due, undelivered event (oldest first, one batch). Returns counts for logs and tests.

    Stops at the first failure: the receiver is one endpoint, so the rest would most likely fail too and
    each would cost a timeout. Does not commit (the job runner does).
    """
    url = current_app.config.get("GRADEBOOK_WEBHOOK_URL")
    counts = {"delivered": 0, "failed": 0}
    if not url:
        return counts
    now = now or utcnow()
    stmt = (select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None), OutboxEvent.next_attempt_at <= now)
            .order_by(OutboxEvent.id).limit(BATCH_SIZE).with_for_update(skip_locked=True))
    for event in db.session.scalars(stmt).all():
        try:
            _post(url, event)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            event.attempts += 1
            event.last_error = _describe(exc)[:500]
            event.next_attempt_at = now + backoff(event.attempts)
            counts["failed"] += 1
            log.warning("gradebook webhook: event %s failed (attempt %s): %s", event.id, event.attempts,
                        event.last_error)
            break
        event.attempts += 1
        event.delivered_at = utcnow()
        event.last_error = None
        counts["delivered"] += 1
    db.session.flush()
    return counts


def _describe(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    return f"{type(exc).__name__}: {exc}"


@jobs.task(retries=0)
def deliver_outbox():
    """Job: deliver due events right after a score change commits."""
    deliver_due()


@jobs.periodic(minute="*")
def retry_outbox():
    """Periodic job: retry events whose backoff has passed (and any whose enqueue was lost)."""
    deliver_due()
