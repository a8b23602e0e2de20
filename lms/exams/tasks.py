"""Background jobs of exams: the deadline auto-submit."""
from __future__ import annotations

import logging

from lms.core.jobs import jobs

from . import attempts

log = logging.getLogger(__name__)


@jobs.periodic(minute="*")
def auto_submit_overdue():
    """Every minute, submit every attempt whose deadline plus grace has passed (idempotent: a submitted
    attempt is skipped, so overlapping runs or a lazy submit by a request change nothing)."""
    done = attempts.submit_overdue()
    if done:
        log.info("auto-submitted %d overdue attempts", done)
    return done
