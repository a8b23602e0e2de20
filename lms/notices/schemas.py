"""Request and response schemas of announcements and notifications."""
from __future__ import annotations

from marshmallow import Schema, fields, validate


class AnnouncementIn(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default="", validate=validate.Length(max=10000))
    class_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=200))
    school_ids = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=2000))


class AnnouncementOut(Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    author = fields.String()
    created_at = fields.DateTime()
    read = fields.Boolean()
    class_ids = fields.List(fields.Integer())
    school_ids = fields.List(fields.Integer())


class NotificationOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "exam_assigned | score_released | lecture_reviewed | "
                                                  "question_reviewed | announcement"})
    title = fields.String()
    url = fields.String()
    created_at = fields.DateTime()
    read = fields.Function(lambda n: n.read_at is not None)


class NotificationsOut(Schema):
    unread = fields.Integer()
    items = fields.List(fields.Nested(NotificationOut))


class EmailSettingsIn(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254),
                          metadata={"description": "where e-mail copies of notices go; empty: none"})
    email_enabled = fields.Boolean(load_default=True, metadata={"description": "false: keep the address, send nothing"})


class EmailSettingsOut(Schema):
    email = fields.String()
    email_enabled = fields.Boolean()
    available = fields.Boolean(metadata={"description": "whether this site sends e-mail at all (MAIL_SERVER)"})
