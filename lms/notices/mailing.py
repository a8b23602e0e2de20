"""E-mail copies of in-app notices: who gets one, what it says, and each user's address and opt-out.

Off unless ``MAIL_SERVER`` is configured (``lms.core.mail``). A user gives an address on their Thông báo page
and may turn the copies off again; without an address nobody is mailed. When a notice is added for such a
user it is marked ``queued`` and a job (``tasks.email_notification``) sends it after the request commits,
so a slow or absent mail server never holds up a page. Addresses are personal data: they are shown to their
owner only and never written to a log.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core import mail
from lms.core.db import db
from lms.core.errors import ValidationFailed

from .models import Announcement, NoticeSettings, Notification

QUEUED, SENT, FAILED, SKIPPED = "queued", "sent", "failed", "skipped"
#: Attempts after the first on a temporary SMTP failure, and the first wait; each wait is 5 times the last
#: (1, 5 and 25 minutes): long enough to ride out a mail server's restart or greylisting.
RETRIES, RETRY_DELAY, RETRY_BACKOFF = 3, 60, 5

_SUBJECT_PREFIX = "[Học Liệu Số] "
_FOOTER = ("Bạn nhận được thư này vì đã bật “Gửi bản sao thông báo qua email” trên Học Liệu Số.\n"
           "Để ngừng nhận, mở trang Thông báo và bỏ chọn mục đó.")


def settings_of(user) -> dict:
    """``{email, email_enabled, available}`` for the user's own settings form; ``available`` is whether the
    site sends e-mail at all."""
    row = db.session.get(NoticeSettings, user.id)
    return {"email": row.email if row else "", "email_enabled": row.email_enabled if row else True,
            "available": mail.enabled()}


def update_settings(user, *, email: str, email_enabled: bool) -> dict:
    """Set the user's address (empty: none) and whether copies are sent; a malformed address is a 422."""
    email = (email or "").strip()
    if email and not mail.valid_address(email):
        raise ValidationFailed(errors={"email": ["Địa chỉ email không hợp lệ (ví dụ: ten@truong.edu.vn)."]})
    row = db.session.get(NoticeSettings, user.id)
    if row is None:
        row = NoticeSettings(user_id=user.id)
        db.session.add(row)
    row.email, row.email_enabled = email, bool(email_enabled)
    db.session.flush()
    return settings_of(user)


def mailed_user_ids(user_ids) -> set[int]:
    """Those of ``user_ids`` who gave an address and did not opt out (empty while e-mail is off)."""
    ids = set(user_ids)
    if not ids or not mail.enabled():
        return set()
    return set(db.session.scalars(select(NoticeSettings.user_id).where(
        NoticeSettings.user_id.in_(ids), NoticeSettings.email != "", NoticeSettings.email_enabled.is_(True))))


def queue(rows: list[Notification]) -> None:
    """Mark the new ``rows`` whose user wants e-mail ``queued`` and send each by a job after commit."""
    from . import tasks

    wanted = mailed_user_ids(row.user_id for row in rows)
    for row in rows:
        if row.user_id in wanted:
            row.email_status = QUEUED
            tasks.email_notification.enqueue(row.id)


def recipient(row: Notification) -> str | None:
    """The address to send ``row`` to now, or None when the user has none or opted out since it was queued."""
    settings = db.session.get(NoticeSettings, row.user_id)
    user = accounts.get_user(row.user_id)
    if settings is None or not settings.email or not settings.email_enabled or user is None or not user.active:
        return None
    return settings.email


def compose(row: Notification, to: str):
    """The e-mail of one notice: its title as the subject, a greeting, the announcement's text if any, a link
    to the page when the site's address is known (the first of ``APP_ORIGINS``), and how to stop the copies."""
    user = accounts.get_user(row.user_id)
    lines = [f"Chào {user.full_name or user.username}," if user else "Chào bạn,", "", row.title]
    if row.announcement_id is not None:
        item = db.session.get(Announcement, row.announcement_id)
        if item is not None and item.body:
            lines += ["", item.body]
    origins = current_app.config.get("APP_ORIGINS") or ()
    if origins and row.url.startswith("/") and not row.url.startswith("//"):
        lines += ["", f"Xem trên Học Liệu Số: {origins[0]}{row.url}"]
    lines += ["", "--", _FOOTER]
    subject = _SUBJECT_PREFIX + " ".join(row.title.split())[:150]
    return mail.build(to=to, subject=subject, body="\n".join(lines) + "\n",
                      sender=current_app.config["MAIL_FROM"])
