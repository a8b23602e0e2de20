"""Jobs of notices: fanning an announcement out to its readers and e-mailing copies of notices, never inside
the request that caused them."""
from __future__ import annotations

import logging

from lms.core import mail
from lms.core.db import db, utcnow
from lms.core.jobs import final_attempt, jobs, retries_left

from . import mailing
from .mailing import RETRIES, RETRY_BACKOFF, RETRY_DELAY

log = logging.getLogger(__name__)


@jobs.task(retries=3, retry_delay=10)
def fan_out_announcement(announcement_id: int) -> None:
    """One notice per reader of the announcement; idempotent (notices are unique per user and key)."""
    from . import services
    from .models import Announcement

    item = db.session.get(Announcement, announcement_id)
    if item is None:
        return
    services.notify(services.recipients(item), kind="announcement", key=f"announcement:{item.id}",
                    title=item.title, url="/notices/", announcement_id=item.id)


@jobs.task(retries=RETRIES, retry_delay=RETRY_DELAY, retry_backoff=RETRY_BACKOFF)
def email_notification(notification_id: int) -> None:
    """Send the e-mail copy of one queued notice; idempotent (a notice already sent, failed or no longer
    wanted is left alone). A temporary SMTP failure is retried (``mailing.RETRIES``) and then marked
    ``failed`` with its reason; a permanent one is marked ``failed`` at once. Logs name the notice, never the
    address. At least once: a worker that dies between the server's 250 and the commit sends it again."""
    from .models import Notification

    row = db.session.get(Notification, notification_id)
    if row is None or row.email_status != mailing.QUEUED:
        return
    to = mailing.recipient(row) if mail.enabled() else None
    if to is None:
        row.email_status = mailing.SKIPPED
        return
    attempt = RETRIES - retries_left() + 1
    try:
        mail.send(mailing.compose(row, to))
    except mail.MailDeferred as exc:
        if not final_attempt():
            log.info("notice %s: e-mail attempt %s deferred (%s), will retry", row.id, attempt, exc)
            raise
        row.email_status, row.email_error = mailing.FAILED, str(exc)[:200]
    except mail.MailRejected as exc:
        row.email_status, row.email_error = mailing.FAILED, str(exc)[:200]
    else:
        row.email_status, row.email_error, row.emailed_at = mailing.SENT, "", utcnow()
    row.email_attempts = attempt
    level = logging.INFO if row.email_status == mailing.SENT else logging.WARNING
    log.log(level, "notice %s: e-mail %s after %s attempt(s)%s", row.id, row.email_status, attempt,
            f" ({row.email_error})" if row.email_error else "",
            extra={"notification_id": row.id, "email_status": row.email_status, "attempts": attempt})
