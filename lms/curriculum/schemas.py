from __future__ import annotations

from marshmallow import Schema, fields, validate


class SubjectOut(Schema):
    code = fields.String()
    name = fields.String()
    graded_by = fields.String(metadata={"enum": ["score", "comment"]})
    periods_per_year = fields.Dict(keys=fields.String(), values=fields.Integer())


class TopicIn(Schema):
    subject = fields.String(required=True)
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    parent_id = fields.Integer(load_default=None, allow_none=True)


class TopicOut(Schema):
    id = fields.Integer()
    subject = fields.String(attribute="subject_code")
    grade = fields.Integer()
    name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    position = fields.Integer()


class TopicQuery(Schema):
    subject = fields.String(load_default=None)
    grade = fields.Integer(load_default=None, validate=validate.Range(min=1, max=12))
