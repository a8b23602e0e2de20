"""Jobs of notices: fanning an announcement out to its readers, never inside the posting request."""
from __future__ import annotations

from lms.core.db import db
from lms.core.jobs import jobs


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
