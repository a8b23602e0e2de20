"""JSON API of announcements and notifications."""
from __future__ import annotations

from flask_login import current_user

from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.permissions import ADMIN, DEPARTMENT, SIGNED_IN, TEACHER, roles
from lms.core.rest import ApiBlueprint

from . import mailing, schemas, services, tasks

bp = ApiBlueprint("notices", __name__, url_prefix="/api/v1")
exempt_api(bp)


@bp.endpoint("/announcements", "POST", allow=roles(TEACHER, ADMIN, DEPARTMENT), body=schemas.AnnouncementIn,
             response=schemas.AnnouncementOut, status=201, errors=(404, 422),
             summary="Announce: a teacher to classes they teach, a school's admin to the school (or its classes), "
                     "the department to schools (all when none is named); readers and their parents are notified")
def create_announcement(body):
    item = services.create_announcement(current_user, **body)
    tasks.fan_out_announcement.enqueue(item.id)
    db.session.commit()
    return services.present(item, read=True), 201


@bp.endpoint("/announcements", "GET", allow=SIGNED_IN, response=schemas.AnnouncementOut, many=True,
             summary="Announcements that reach the caller (or that they wrote), newest first, with read")
def list_announcements():
    return services.visible_announcements(current_user)


@bp.endpoint("/announcements/<int:announcement_id>/read", "POST", allow=SIGNED_IN, status=204, errors=(404,),
             summary="Mark an announcement read")
def read_announcement(announcement_id):
    services.mark_announcement_read(current_user, announcement_id)
    db.session.commit()
    return None, 204


@bp.endpoint("/notifications", "GET", allow=SIGNED_IN, response=schemas.NotificationsOut,
             summary="The caller's newest in-app notices and the unread count")
def list_notifications():
    return services.notifications(current_user)


@bp.endpoint("/notifications/<int:notification_id>/read", "POST", allow=SIGNED_IN,
             response=schemas.NotificationOut, errors=(404,), summary="Mark one of the caller's notices read")
def read_notification(notification_id):
    row = services.mark_read(current_user, notification_id)
    db.session.commit()
    return row


@bp.endpoint("/notifications/email", "GET", allow=SIGNED_IN, response=schemas.EmailSettingsOut,
             summary="The caller's address for e-mail copies of notices and whether they are sent")
def email_settings():
    return mailing.settings_of(current_user)


@bp.endpoint("/notifications/email", "PUT", allow=SIGNED_IN, body=schemas.EmailSettingsIn,
             response=schemas.EmailSettingsOut, errors=(422,),
             summary="Set the caller's address for e-mail copies of notices (empty: none) or opt out")
def update_email_settings(body):
    settings = mailing.update_settings(current_user, **body)
    db.session.commit()
    return settings
